package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flowsd-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "flowsd")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building flowsd: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	testdb.Cleanup()
	os.Exit(code)
}

// flowsd runs the binary to completion.
func flowsd(t testing.TB, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cleanEnv(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// cleanEnv is the test's environment without any FLOWSD_ setting that would leak into the binary.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FLOWSD_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			env = append(env, kv)
		}
	}
	return env
}

type created struct {
	Workspace struct{ UUID, Name string }
	User      struct{ Email, Role string }
	Token     string
}

func eachDB(t *testing.T, fn func(t *testing.T, dbURL string)) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		fn(t, testdb.NewEmptyURL(t, d)) // not migrated: the CLI must do it
	})
}

func TestWorkspaceAndTokenCreate(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		out, errOut, code := flowsd(t, nil, "workspace", "create", "--name", "Nyaruka", "--email", "Admin@Nyaruka.com",
			"--country", "rw", "--timezone", "Africa/Kigali", "--languages", "eng,kin", "--date-style", "month_first", "--db", dbURL)
		if code != 0 {
			t.Fatalf("workspace create: %d %s", code, errOut)
		}
		var ws created
		if err := json.Unmarshal([]byte(out), &ws); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		if ws.Workspace.Name != "Nyaruka" || ws.User.Email != "admin@nyaruka.com" || ws.User.Role != "administrator" || len(ws.Token) != 40 {
			t.Fatalf("output: %s", out)
		}

		// a token for a new agent, through the environment's database setting
		out, errOut, code = flowsd(t, []string{"FLOWSD_DB=" + dbURL}, "token", "create", "--workspace", ws.Workspace.UUID, "--email", "agent@nyaruka.com", "--role", "agent")
		if code != 0 {
			t.Fatalf("token create: %d %s", code, errOut)
		}
		var tok struct{ Token string }
		if err := json.Unmarshal([]byte(out), &tok); err != nil || len(tok.Token) != 40 {
			t.Fatalf("token output %q", out)
		}

		// both tokens work against the server, with their roles
		srv := startServer(t, []string{"DATABASE_URL=" + dbURL})
		defer srv.stop(t)
		if code, body := srv.get(t, "/api/v2/workspace.json", ws.Token); code != 200 || !strings.Contains(body, `"country":"RW"`) || !strings.Contains(body, `"languages":["eng","kin"]`) || !strings.Contains(body, `"date_style":"month_first"`) {
			t.Fatalf("admin token: %d %s", code, body)
		}
		if code, body := srv.get(t, "/api/v2/users.json?role=agent", tok.Token); code != 200 || !strings.Contains(body, "agent@nyaruka.com") {
			t.Fatalf("agent token: %d %s", code, body)
		}
		if code, _ := srv.get(t, "/api/v2/labels.json", tok.Token); code != 403 {
			t.Fatalf("agent token on labels: %d", code)
		}
		if strings.Contains(srv.stderr(), "API token (shown once") {
			t.Fatal("serve made a default workspace on a database that had one")
		}
	})
}

func TestCommandLineErrors(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "flowsd.db")
	out, _, _ := flowsd(t, nil, "workspace", "create", "--name", "W", "--email", "a@b.co", "--db", db)
	var ws created
	json.Unmarshal([]byte(out), &ws)

	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "no command given"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"workspace"}, 2, `did you mean "workspace create"`},
		{[]string{"workspace", "create", "--email", "a@b.co", "--db", db}, 2, "--name and --email are required"},
		{[]string{"workspace", "create", "--name", "X", "--email", "not an email", "--db", db}, 1, "is not a valid email address"},
		{[]string{"workspace", "create", "--name", "X", "--email", "a@b.co", "--country", "XX", "--db", db}, 2, "not an ISO 3166-1 alpha-2 country code"},
		{[]string{"workspace", "create", "--name", "X", "--email", "a@b.co", "--timezone", "Mars/Olympus", "--db", db}, 2, "not a known timezone"},
		{[]string{"workspace", "create", "--name", "X", "--email", "a@b.co", "--languages", "english", "--db", db}, 2, "not an ISO 639-3 language code"},
		{[]string{"workspace", "create", "--name", "X", "--email", "a@b.co", "--profile", "textit", "--db", db}, 2, "API profile must be"},
		{[]string{"workspace", "create", "--name", "X", "--email", "a@b.co", "--date-style", "backwards", "--db", db}, 2, "date style must be one of"},
		{[]string{"workspace", "create", "--name", "X", "--email", "a@b.co", "--rates", "v2=lots", "--db", db}, 2, "invalid rate"},
		{[]string{"workspace", "create", "--name", strings.Repeat("x", 129), "--email", "a@b.co", "--db", db}, 2, "longer than 128"},
		{[]string{"workspace", "create", "--name", "X", "--email", "a@b.co", "--db", "mysql://x"}, 2, "unsupported database URL"},
		{[]string{"workspace", "create", "--name", "X", "--email", "a@b.co", "--bogus", "--db", db}, 2, "flag provided but not defined"},
		{[]string{"token", "create", "--workspace", ws.Workspace.UUID, "--email", "e@b.co", "--role", "owner", "--db", db}, 2, "role must be one of"},
		{[]string{"token", "create", "--workspace", "00000000-0000-4000-8000-000000000000", "--email", "e@b.co", "--db", db}, 1, "no workspace with UUID"},
		{[]string{"token", "create", "--email", "e@b.co", "--db", db}, 2, "--workspace and --email are required"},
		{[]string{"serve", "--rates", "v2=1/fortnight", "--db", db}, 2, "invalid rate"},
		{[]string{"serve", "--start-workers", "-1", "--db", db}, 2, "invalid start worker count"},
		{[]string{"serve", "--start-batch", "0", "--db", db}, 2, "invalid start batch size"},
		{[]string{"serve", "--worker-poll", "soon", "--db", db}, 2, "invalid worker poll interval"},
		{[]string{"serve", "--webhook-timeout", "-5s", "--db", db}, 2, "invalid webhook timeout"},
		{[]string{"serve", "--webhooks-deny", "10.0.0.0/33", "--db", db}, 2, "invalid webhooks deny list (--webhooks-deny, FLOWSD_WEBHOOKS_DENY): couldn't parse '10.0.0.0/33' as an IP network"},
		{[]string{"receive", "--webhooks-deny", "localhost", "--workspace", ws.Workspace.UUID, "--urn", "tel:+250788123123", "--db", db, "hi"}, 2, "couldn't parse 'localhost' as an IP address"},
		{[]string{"serve", "--db", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"}, 1, "postgres database"},
	}
	for _, c := range cases {
		_, errOut, code := flowsd(t, nil, c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("flowsd %s: exit %d (want %d), stderr %q (want %q)", strings.Join(c.args, " "), code, c.code, errOut, c.msg)
		}
	}
	if _, errOut, code := flowsd(t, []string{"FLOWSD_WEBHOOKS_DENY=10.0.0.0/8,nope"}, "serve", "--db", db); code != 2 || !strings.Contains(errOut, "couldn't parse 'nope' as an IP address") {
		t.Errorf("serve with FLOWSD_WEBHOOKS_DENY=10.0.0.0/8,nope: exit %d, %q", code, errOut)
	}
	// nothing half-made: still one workspace
	out, _, _ = flowsd(t, nil, "migrate", "--db", db)
	if !strings.Contains(out, "applied 0 migration(s)") {
		t.Fatalf("migrate: %q", out)
	}
}

func TestServeHelpListsEverySetting(t *testing.T) {
	_, errOut, code := flowsd(t, nil, "serve", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range []string{"-addr", "FLOWSD_ADDR", "-db", "FLOWSD_DB", "DATABASE_URL", "-redis", "FLOWSD_REDIS_URL", "FLOWSD_REDIS_PREFIX", "-rates", "FLOWSD_RATES", "FLOWSD_LOG_LEVEL", "FLOWSD_SHUTDOWN_TIMEOUT", "FLOWSD_MAX_BODY", "-webhooks-deny", "FLOWSD_WEBHOOKS_DENY", "169.254.0.0/16", "-archive-after", "FLOWSD_ARCHIVE_DIR", "FLOWSD_ARCHIVE_DELETE", "FLOWSD_ARCHIVE_KEY", "-templates-every", "FLOWSD_TEMPLATES_EVERY"} {
		if !strings.Contains(errOut, s) {
			t.Errorf("serve --help does not mention %s", s)
		}
	}
}

// server is a flowsd serve process.
type server struct {
	cmd    *exec.Cmd
	url    string
	errBuf *syncBuffer
}

type syncBuffer struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.String()
}

var listening = regexp.MustCompile(`url"?[=:]"?http://(127\.0\.0\.1:\d+)/api/v2/`) // text or JSON logs

// startServer starts flowsd serve on a free port and waits until it listens.
func startServer(t testing.TB, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	errBuf := &syncBuffer{mu: make(chan struct{}, 1)}
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(errBuf, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case addr := <-found:
		return &server{cmd: cmd, url: "http://" + addr, errBuf: errBuf}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("flowsd serve did not start: %s", errBuf.String())
	}
	return nil
}

func (s *server) stderr() string { return s.errBuf.String() }

func (s *server) get(t *testing.T, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t testing.TB) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("flowsd serve exited with %v: %s", err, s.stderr())
		}
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		t.Fatal("flowsd serve did not stop on SIGTERM")
	}
}

var tokenLine = regexp.MustCompile(`API token \(shown once, keep it\): ([2-9A-Z]{40})`)

// TestServeOnEmptyDatabase: the first start makes a workspace and prints its token once; the token works;
// a request in flight when SIGTERM arrives still completes.
func TestServeOnEmptyDatabase(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		srv := startServer(t, nil, "--db", dbURL)
		m := tokenLine.FindStringSubmatch(srv.stderr())
		if m == nil {
			srv.stop(t)
			t.Fatalf("no token printed: %s", srv.stderr())
		}
		code, body := srv.get(t, "/api/v2/workspace.json", m[1])
		if code != 200 || !strings.Contains(body, `"name":"Default"`) {
			t.Fatalf("default workspace: %d %s", code, body)
		}
		if code, _ := srv.get(t, "/ready", ""); code != 200 {
			t.Fatalf("ready: %d", code)
		}
		// what net/http refuses itself is answered in RapidPro's JSON shape too (api.Listener)
		raw, err := net.Dial("tcp", strings.TrimPrefix(srv.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(raw, "GET /api/v2/fields.json HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n")
		refused, err := http.ReadResponse(bufio.NewReader(raw), nil)
		if err != nil {
			t.Fatal(err)
		}
		refusal, _ := io.ReadAll(refused.Body)
		raw.Close()
		if refused.StatusCode != 400 || string(refusal) != `{"detail":"Bad Request."}` {
			t.Fatalf("a NUL byte in a header: %d %s", refused.StatusCode, refusal)
		}

		// a POST whose body is still arriving when SIGTERM comes
		host := strings.TrimPrefix(srv.url, "http://")
		conn, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		body1 := `{"name":"In `
		body2 := `Flight"}`
		fmt.Fprintf(conn, "POST /api/v2/labels.json HTTP/1.1\r\nHost: %s\r\nAuthorization: Token %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			host, m[1], len(body1)+len(body2), body1)
		time.Sleep(300 * time.Millisecond)
		srv.cmd.Process.Signal(syscall.SIGTERM)
		time.Sleep(300 * time.Millisecond)
		fmt.Fprint(conn, body2)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("in-flight request: %v", err)
		}
		answer, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 201 || !strings.Contains(string(answer), "In Flight") {
			t.Fatalf("in-flight request: %d %s", resp.StatusCode, answer)
		}
		if err := srv.cmd.Wait(); err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, srv.stderr())
		}
		if !strings.Contains(srv.stderr(), "stopped") {
			t.Fatalf("no clean stop: %s", srv.stderr())
		}

		// the second start creates nothing and prints no token
		srv = startServer(t, nil, "--db", dbURL)
		defer srv.stop(t)
		if strings.Contains(srv.stderr(), "API token") {
			t.Fatal("second start printed a token again")
		}
		if code, body := srv.get(t, "/api/v2/labels.json", m[1]); code != 200 || !strings.Contains(body, "In Flight") {
			t.Fatalf("after restart: %d %s", code, body)
		}
	})
}

// TestSharedRateLimit runs two processes on one database: with Redis they share one 5/hour limit; without
// it each process counts alone.
func TestSharedRateLimit(t *testing.T) {
	redisURL := os.Getenv("FLOWSD_TEST_REDIS")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(strings.Split(redisURL, "/")[2], ""), 2*time.Second); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis is required under CI=true: %v", err)
		}
		t.Skipf("SKIPPING shared rate limits: no Redis at %s (%v); run ./scripts/test", redisURL, err)
	} else {
		conn.Close()
	}

	eachDB(t, func(t *testing.T, dbURL string) {
		out, errOut, code := flowsd(t, nil, "workspace", "create", "--name", "W", "--email", "a@b.co", "--db", dbURL)
		if code != 0 {
			t.Fatal(errOut)
		}
		var ws created
		json.Unmarshal([]byte(out), &ws)

		count := func(a, b *server) (ok, throttled int) {
			for i := 0; i < 4; i++ {
				for _, s := range []*server{a, b} {
					switch code, _ := s.get(t, "/api/v2/fields.json", ws.Token); code {
					case 200:
						ok++
					case 429:
						throttled++
					}
				}
			}
			return
		}

		shared := []string{"FLOWSD_DB=" + dbURL, "FLOWSD_RATES=v2=5/hour", "FLOWSD_REDIS_URL=" + redisURL,
			fmt.Sprintf("FLOWSD_REDIS_PREFIX=flowsd-test-%d-%d:", os.Getpid(), time.Now().UnixNano())}
		a, b := startServer(t, shared), startServer(t, shared)
		ok, throttled := count(a, b)
		a.stop(t)
		b.stop(t)
		if ok != 5 || throttled != 3 {
			t.Fatalf("with Redis: %d ok, %d throttled; want 5 and 3", ok, throttled)
		}

		alone := []string{"FLOWSD_DB=" + dbURL, "FLOWSD_RATES=v2=5/hour"}
		a, b = startServer(t, alone), startServer(t, alone)
		ok, throttled = count(a, b)
		a.stop(t)
		b.stop(t)
		if ok != 8 || throttled != 0 {
			t.Fatalf("in process: %d ok, %d throttled; want 8 and 0", ok, throttled)
		}
	})
}

var testExports = []string{"messaging.json", "webhooks.json", "contacts.json", "subflows.json", "legacy_v11.json", "campaign.json"}

func exportPaths(names ...string) []string {
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join("..", "..", "testdata", "exports", n))
	}
	return paths
}

type importOutput struct {
	Flows, Campaigns, Groups []struct{ UUID, Name string }
	Fields                   []struct{ Key, Name string }
}

// countRows counts what the test exports write, straight from the database.
func countRows(t *testing.T, dbURL string) map[string]int64 {
	t.Helper()
	db := testdb.Raw(t, dbURL)
	out := map[string]int64{}
	for _, table := range []string{"flows", "contact_fields", "contact_groups", "campaigns", "campaign_events", "triggers", "resthooks"} {
		var n int64
		if err := db.Raw("SELECT COUNT(*) FROM " + table).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// TestImport: flowsd import brings in every test export in one go and prints what it imported; doing it again
// changes nothing; a bad file among good ones writes nothing and says what is wrong; the server then serves the
// flows.
func TestImport(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		out, errOut, code := flowsd(t, nil, "workspace", "create", "--name", "Nyaruka", "--email", "admin@nyaruka.com", "--db", dbURL)
		if code != 0 {
			t.Fatalf("workspace create: %s", errOut)
		}
		var ws created
		json.Unmarshal([]byte(out), &ws)
		empty := countRows(t, dbURL)

		// a bad file among good ones: nothing is written
		bad := filepath.Join(t.TempDir(), "future.json")
		data, err := os.ReadFile(exportPaths("webhooks.json")[0])
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(bad, bytes.Replace(data, []byte(`"spec_version": "14.4.2"`), []byte(`"spec_version": "15.1.0"`), 1), 0o644)
		args := append([]string{"import", "--workspace", ws.Workspace.UUID, "--db", dbURL}, exportPaths("messaging.json", "contacts.json")...)
		_, errOut, code = flowsd(t, nil, append(args, bad)...)
		if code != 1 || !strings.Contains(errOut, "future.json: Flow \"Resthook Notify\" (ac16a8a9-4d75-4acd-9938-cae62e016c3d) has spec version 15.1.0, newer than this server's engine supports (14.4.2)") {
			t.Fatalf("bad file: exit %d, %s", code, errOut)
		}
		if after := countRows(t, dbURL); !reflect.DeepEqual(empty, after) {
			t.Fatalf("a failed import wrote: %v -> %v", empty, after)
		}

		// all of them, flags after the files
		args = append(append([]string{"import"}, exportPaths(testExports...)...), "--workspace", ws.Workspace.UUID, "--db", dbURL)
		out, errOut, code = flowsd(t, nil, args...)
		if code != 0 {
			t.Fatalf("import: exit %d, %s", code, errOut)
		}
		var first importOutput
		if err := json.Unmarshal([]byte(out), &first); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		if len(first.Flows) != 12 || len(first.Campaigns) != 1 || len(first.Fields) != 4 || len(first.Groups) != 4 {
			t.Fatalf("output: %s", out)
		}
		counts := countRows(t, dbURL)
		if counts["flows"] != 12 || counts["campaigns"] != 1 || counts["campaign_events"] != 2 || counts["triggers"] != 5 || counts["resthooks"] != 1 || counts["contact_fields"] != 4 {
			t.Fatalf("after the import: %v", counts)
		}

		// again: the same answer, nothing more
		again, errOut, code := flowsd(t, nil, args...)
		if code != 0 || again != out {
			t.Fatalf("second import: exit %d, %s\n%s\nfirst: %s", code, errOut, again, out)
		}
		if after := countRows(t, dbURL); !reflect.DeepEqual(counts, after) {
			t.Fatalf("importing twice: %v -> %v", counts, after)
		}

		// the server lists them, with the smart group evaluated
		srv := startServer(t, []string{"FLOWSD_DB=" + dbURL})
		defer srv.stop(t)
		if code, body := srv.get(t, "/api/v2/flows.json?type=background", ws.Token); code != 200 || !strings.Contains(body, `"name":"Tag Reporter"`) {
			t.Fatalf("flows.json: %d %s", code, body)
		}
		if code, body := srv.get(t, "/api/v2/groups.json?name=Adults", ws.Token); code != 200 || !strings.Contains(body, `"status":"ready"`) {
			t.Fatalf("groups.json: %d %s", code, body)
		}
	})
}

func TestImportErrors(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "flowsd.db")
	out, _, _ := flowsd(t, nil, "workspace", "create", "--name", "W", "--email", "a@b.co", "--db", db)
	var ws created
	json.Unmarshal([]byte(out), &ws)
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	big := filepath.Join(dir, "big.json")
	f, _ := os.Create(big)
	f.Truncate(10<<20 + 1)
	f.Close()
	messaging := exportPaths("messaging.json")[0]

	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"import", "--db", db, messaging}, 2, "--workspace is required"},
		{[]string{"import", "--workspace", ws.Workspace.UUID, "--db", db}, 2, "no export file given"},
		{[]string{"import", "--workspace", ws.Workspace.UUID, "--bogus", messaging}, 2, "flag provided but not defined"},
		{[]string{"import", "--workspace", "00000000-0000-4000-8000-000000000000", "--db", db, messaging}, 1, "no workspace with UUID"},
		{[]string{"import", "--workspace", ws.Workspace.UUID, "--db", db, filepath.Join(dir, "missing.json")}, 1, "no such file"},
		{[]string{"import", "--workspace", ws.Workspace.UUID, "--db", db, big}, 1, "big.json: larger than 10485760 bytes"},
		{[]string{"import", "--workspace", ws.Workspace.UUID, "--db", db, write("bad.json", `{"version": "13", "flows": [`)}, 1, "bad.json: The export is not valid JSON"},
		{[]string{"import", "--workspace", ws.Workspace.UUID, "--db", db, write("list.json", `[]`)}, 1, "list.json: The export must be a JSON object."},
		{[]string{"import", "--workspace", ws.Workspace.UUID, "--db", db, write("other.json", `{"name": "x"}`)}, 1, `other.json: Not an export: it has no "version".`},
		{[]string{"import", "--workspace", ws.Workspace.UUID, "--db", db, write("trigger.json", `{"version": "13", "flows": [], "triggers": [{"trigger_type": "C", "flow": {"uuid": "7b3d8baf-8e1f-4b64-8c42-2a1c9d4f6e32", "name": "Gone"}}]}`)},
			1, `nothing imported: A catch-all trigger uses the flow "Gone" (7b3d8baf-8e1f-4b64-8c42-2a1c9d4f6e32), which is neither in the export nor in the workspace.`},
	}
	for _, c := range cases {
		_, errOut, code := flowsd(t, nil, c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("flowsd %s: exit %d (want %d), stderr %q (want %q)", strings.Join(c.args, " "), code, c.code, errOut, c.msg)
		}
	}
	if counts := countRows(t, db); counts["flows"] != 0 || counts["triggers"] != 0 {
		t.Errorf("failed imports wrote: %v", counts)
	}
}
