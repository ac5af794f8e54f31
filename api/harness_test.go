package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/api"
	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/throttle"
	"github.com/flowsd/flowsd/work"
)

var update = flag.Bool("update", false, "rewrite the truth files in testdata/ with the answers the server gives")

func TestMain(m *testing.M) { testdb.Main(m) }

// fixtureStart is when every test's clock starts; it moves on a second each time it is read.
var fixtureStart = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// env is one test's server: a fresh database with the fixture workspaces, behind real HTTP.
type env struct {
	t      testing.TB
	rt     *runtime.Runtime
	store  *models.Store
	host   *flows.Host
	db     *testdb.DB // Raw is the test's own handle on the database, for seeds and checks
	server *httptest.Server
	tokens map[string]string // fixture token name -> key
	emails map[string]string // fixture token name -> its user's email
	ws     map[string]*models.Workspace
	clock  *testdb.Clock
	uuids  *testdb.UUIDSeq
	dbURL  string
}

type envOptions struct {
	limiter throttle.Limiter
	rates   map[throttle.Scope]throttle.Rate
}

// newEnv builds a server on a fresh database of dialect, seeded with the fixture (testdb.Seed).
func newEnv(t testing.TB, dialect models.Dialect, opts envOptions) *env {
	t.Helper()
	clock := testdb.NewClock(fixtureStart, time.Second)
	uuids := &testdb.UUIDSeq{}
	db := testdb.New(t, dialect, clock.Now, uuids.Next)

	cfg := &runtime.Config{DB: db.URL, Rates: map[throttle.Scope]throttle.Rate{}, MaxBodyBytes: 64 * 1024, ShutdownTimeout: time.Second,
		StartBatch: 25, WorkerPoll: time.Second, WebhookTimeout: 5 * time.Second, MediaDir: filepath.Join(t.TempDir(), "media")}
	for k, v := range throttle.DefaultRates {
		cfg.Rates[k] = v
	}
	for k, v := range opts.rates {
		cfg.Rates[k] = v
	}
	limiter := opts.limiter
	if limiter == nil {
		frozen := fixtureStart
		limiter = throttle.NewMemory(func() time.Time { return frozen })
	}
	e := &env{t: t, db: db, clock: clock, uuids: uuids, dbURL: db.URL}
	e.serve(cfg, db.Store, limiter)
	fx := testdb.Seed(t, db)
	e.tokens, e.emails, e.ws = fx.Tokens, fx.Emails, fx.Workspaces
	// everything a test does starts at a round time and UUID after the fixture, whatever the fixture holds
	e.clock.Set(fixtureStart.Add(time.Hour))
	e.uuids.Skip(101)
	return e
}

// serve puts a server in front of a store, with a runtime and an engine host of its own, as a process has.
func (e *env) serve(cfg *runtime.Config, store *models.Store, limiter throttle.Limiter) {
	rt, err := runtime.New(context.Background(), cfg, runtime.Options{Clock: store.Now, UUIDs: store.NewUUID, Limiter: limiter,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e.must(err)
	store.Signals, store.Rules = rt.Signals, flows.NewRules()
	e.rt, e.store = rt, store
	e.host = flows.NewHost(store, rt.Log, flows.EngineOptions{HTTPClient: rt.HTTP})
	e.server = httptest.NewUnstartedServer(api.New(api.Services{Runtime: rt, Store: store, Flows: e.host}))
	e.server.Listener = api.Listener(e.server.Listener) // as flowsd serve listens
	e.server.Start()
	e.t.Cleanup(e.server.Close)
	e.t.Cleanup(func() { rt.Close() })
}

// twin is another server on the same database with its own store and caches, as a second process would be.
func (e *env) twin() *env {
	e.t.Helper()
	store, err := models.OpenStore(context.Background(), e.dbURL, e.clock.Now, runtime.RandomUUID)
	e.must(err)
	e.t.Cleanup(func() { store.Close() })
	twin := *e
	twin.serve(e.rt.Config, store, e.rt.Throttle)
	return &twin
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// settle does the background work a write left (smart groups to evaluate), as serve's workers would, so the
// next request sees it done.
func (e *env) settle() {
	e.t.Helper()
	e.must(work.Drain(context.Background(), flows.EvaluateGroups(e.store)))
}

// request is one call to the server.
type request struct {
	method, path string
	auth         string // "admin" for a token header, "basic admin" for basic auth, "" for none
	headers      map[string]string
	body         []byte
	contentType  string
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(r request) response {
	e.t.Helper()
	req, err := http.NewRequest(r.method, e.server.URL+r.path, bytes.NewReader(r.body))
	e.must(err)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.auth != "" {
		kind, name, isBasic := strings.Cut(r.auth, " ")
		if !isBasic {
			name = kind
		}
		key, ok := e.tokens[name]
		if !ok {
			e.t.Fatalf("no fixture token %q", name)
		}
		if isBasic {
			req.SetBasicAuth(e.emails[name], key)
		} else {
			req.Header.Set("Authorization", "Token "+key)
		}
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	resp, err := noRedirects.Do(req)
	e.must(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	e.must(err)
	if r.method != http.MethodGet && r.method != http.MethodHead {
		e.settle() // only writes leave background work behind
	}
	// the test server's port changes every run
	body = bytes.ReplaceAll(body, []byte(e.server.URL), []byte("http://testserver"))
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// noRedirects is a client that shows redirects rather than following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// truthCase is one request and the answer it must get, read from testdata/<endpoint>.json.
type truthCase struct {
	Label           string            `json:"label"`
	Method          string            `json:"method"`
	Path            string            `json:"path"`
	Auth            string            `json:"auth,omitempty"`
	Headers         map[string]string `json:"headers,omitempty"`
	Body            json.RawMessage   `json:"body,omitempty"`
	BodyRaw         *string           `json:"body_raw,omitempty"`
	BodyFile        string            `json:"body_file,omitempty"`   // a JSON body kept in a file, e.g. a test export
	BodyBase64      string            `json:"body_base64,omitempty"` // bytes a JSON string can't hold (not UTF-8)
	ContentType     string            `json:"content_type,omitempty"`
	Status          int               `json:"status"`
	Response        json.RawMessage   `json:"response,omitempty"`
	ResponseHeaders map[string]string `json:"response_headers,omitempty"`
	Contains        []string          `json:"contains,omitempty"` // for non-JSON answers
	DB              []dbCheck         `json:"db,omitempty"`
}

// dbCheck is a count the database must give after the case ran, proving what was (or wasn't) written.
type dbCheck struct {
	Query string `json:"query"`
	Count int64  `json:"count"`
}

// truthSeeds add rows a truth file needs beyond the fixture (ones no endpoint can write yet), by file name.
var truthSeeds = map[string]func(e *env){}

func runTruthFile(t *testing.T, path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []truthCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("%s: %v", path, err)
	}

	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		rewrite := *update && d == models.SQLite // SQLite answers write the file; PostgreSQL must then agree
		e := newEnv(t, d, envOptions{})
		if seed := truthSeeds[strings.TrimSuffix(filepath.Base(path), ".json")]; seed != nil {
			seed(e)
		}
		for ci := range cases {
			tc := &cases[ci]
			r := request{method: tc.Method, path: tc.Path, auth: tc.Auth, headers: tc.Headers, contentType: tc.ContentType}
			if tc.BodyRaw != nil {
				r.body = []byte(*tc.BodyRaw)
			} else if tc.BodyBase64 != "" {
				if r.body, err = base64.StdEncoding.DecodeString(tc.BodyBase64); err != nil {
					t.Fatal(err)
				}
			} else if tc.BodyFile != "" {
				if r.body, err = os.ReadFile(tc.BodyFile); err != nil {
					t.Fatal(err)
				}
				if r.contentType == "" {
					r.contentType = "application/json"
				}
			} else if len(tc.Body) > 0 {
				r.body = tc.Body
				if r.contentType == "" {
					r.contentType = "application/json"
				}
			}
			resp := e.do(r)
			label := fmt.Sprintf("case %d %q (%s %s)", ci, tc.Label, tc.Method, tc.Path)

			isJSON := strings.HasPrefix(resp.header.Get("Content-Type"), "application/json")
			if rewrite {
				tc.Status = resp.status
				if isJSON && len(resp.body) > 0 {
					tc.Response = resp.body
				} else {
					tc.Response = nil
				}
				for k := range tc.ResponseHeaders {
					tc.ResponseHeaders[k] = resp.header.Get(k)
				}
			}

			if resp.status != tc.Status {
				t.Errorf("%s: status %d, want %d; body %s", label, resp.status, tc.Status, resp.body)
			}
			if isJSON || len(tc.Response) > 0 {
				if !jsonEqual(resp.body, tc.Response) {
					t.Errorf("%s: response\n got %s\nwant %s", label, resp.body, tc.Response)
				}
			}
			for k, want := range tc.ResponseHeaders {
				if got := resp.header.Get(k); got != want {
					t.Errorf("%s: header %s = %q, want %q", label, k, got, want)
				}
			}
			for _, s := range tc.Contains {
				if !bytes.Contains(resp.body, []byte(s)) {
					t.Errorf("%s: answer does not contain %q", label, s)
				}
			}
			for _, check := range tc.DB {
				var n int64
				if err := e.db.Raw.Raw(check.Query).Scan(&n).Error; err != nil {
					t.Errorf("%s: db check %q: %v", label, check.Query, err)
				} else if n != check.Count {
					t.Errorf("%s: db check %q = %d, want %d", label, check.Query, n, check.Count)
				}
			}
		}
	})

	if *update {
		out, err := marshalCases(cases)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func jsonEqual(a, b []byte) bool {
	if len(bytes.TrimSpace(a)) == 0 || len(bytes.TrimSpace(b)) == 0 {
		return len(bytes.TrimSpace(a)) == len(bytes.TrimSpace(b))
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// marshalCases writes truth files readably, two-space indented.
func marshalCases(cases []truthCase) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cases); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TestEndpoints runs every truth file in testdata/ on SQLite and PostgreSQL.
func TestEndpoints(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no truth files in testdata/")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) { runTruthFile(t, f) })
	}
}

func testdbPostgres() error { return testdb.PostgresAvailable() }
