package main_test

import (
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/testdb"
)

// archived is what flowsd archive prints of an archive.
type archived struct {
	UUID        string  `json:"uuid"`
	Type        string  `json:"type"`
	StartDate   string  `json:"start_date"`
	Period      string  `json:"period"`
	RecordCount int64   `json:"record_count"`
	Size        int64   `json:"size"`
	Hash        *string `json:"hash"`
	File        *string `json:"file"`
	DownloadURL *string `json:"download_url"` // as archives.json lists it
}

// archiveWorld is a workspace with messages and runs over a complete month three months ago and the first days
// of the next, one of them still waiting, deleted and recent ones, and another workspace's on the same days.
type archiveWorld struct {
	dbURL, dir             string
	ws, token, ws2, token2 string
	month, next            time.Time // the first days of the complete month and of the one after
	flowUUID, flowName     string
	contact, label         string
	firstMsg, firstRun     string // the lines their archives must hold
	firstMsgID, waitingRun int64
}

func createWorkspace(t *testing.T, dbURL, name, email string) (string, string) {
	out, errOut, code := flowsd(t, nil, "workspace", "create", "--name", name, "--email", email, "--db", dbURL)
	if code != 0 {
		t.Fatalf("workspace create: %s", errOut)
	}
	var ws created
	must(t, json.Unmarshal([]byte(out), &ws))
	return ws.Workspace.UUID, ws.Token
}

func pgStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999999-07:00") }

func newArchiveWorld(t *testing.T, dbURL string) *archiveWorld {
	w := &archiveWorld{dbURL: dbURL, dir: t.TempDir()}
	w.ws, w.token = createWorkspace(t, dbURL, "Nyaruka", "admin@nyaruka.com")
	w.ws2, w.token2 = createWorkspace(t, dbURL, "Trileet", "admin@trileet.com")
	if _, errOut, code := flowsd(t, nil, append([]string{"import", "--workspace", w.ws, "--db", dbURL}, exportPaths("messaging.json")...)...); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	now := time.Now().UTC()
	w.month = time.Date(now.Year(), now.Month()-3, 1, 0, 0, 0, 0, time.UTC)
	w.next = w.month.AddDate(0, 1, 0)

	db := testdb.Raw(t, dbURL)
	id := func(q string, args ...any) int64 {
		var v int64
		must(t, db.Raw(q, args...).Row().Scan(&v))
		return v
	}
	ws, ws2 := id("SELECT id FROM workspaces WHERE uuid = ?", w.ws), id("SELECT id FROM workspaces WHERE uuid = ?", w.ws2)
	flow := id("SELECT id FROM flows WHERE workspace_id = ? ORDER BY id LIMIT 1", ws)
	must(t, db.Raw("SELECT uuid, name FROM flows WHERE id = ?", flow).Row().Scan(&w.flowUUID, &w.flowName))
	seq := 0
	uuid := func() string { seq++; return fmt.Sprintf("a0000000-0000-4000-8000-%012d", seq) }

	contact := func(wsID int64, name string) int64 {
		u := uuid()
		must(t, db.Exec("INSERT INTO contacts (uuid, workspace_id, name, name_lower, status, is_active, created_on, modified_on) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
			u, wsID, name, strings.ToLower(name), true, w.month, w.month).Error)
		if wsID == ws {
			w.contact = u
		}
		return id("SELECT id FROM contacts WHERE uuid = ?", u)
	}
	ann, bob := contact(ws, "Ann"), contact(ws2, "Bob")
	msg := func(wsID, contactID int64, dir, status, visibility, text, attachments string, flowID *int64, created time.Time) (string, int64) {
		u := uuid()
		var sent *time.Time
		if dir == "out" {
			s := created.Add(time.Second)
			sent = &s
		}
		must(t, db.Exec(`INSERT INTO msgs (uuid, workspace_id, contact_id, urn, direction, status, visibility, text, attachments, quick_replies, flow_id, created_on, modified_on, sent_on)
			VALUES (?, ?, ?, 'tel:+250788000001', ?, ?, ?, ?, ?, '[]', ?, ?, ?, ?)`, u, wsID, contactID, dir, status, visibility, text, attachments, flowID, created, created.Add(500*time.Millisecond), sent).Error)
		return u, id("SELECT id FROM msgs WHERE uuid = ?", u)
	}
	run := func(wsID, contactID, flowID int64, status string, modified time.Time) (string, int64) {
		s := uuid()
		must(t, db.Exec("INSERT INTO flow_sessions (uuid, workspace_id, contact_id, status, output, created_on) VALUES (?, ?, ?, 'completed', '{}', ?)", s, wsID, contactID, modified).Error)
		u := uuid()
		var exited *time.Time
		if status != "waiting" {
			exited = &modified
		}
		results := `{"color": {"name": "Color", "value": "red", "category": "Red", "node_uuid": "b0000000-0000-4000-8000-000000000001", "input": "I like <red>", "created_on": "` + modified.Add(-time.Second).Format(time.RFC3339Nano) + `"}}`
		path := `[{"node": "b0000000-0000-4000-8000-000000000001", "time": "` + modified.Add(-2*time.Second).Format(time.RFC3339Nano) + `"}]`
		must(t, db.Exec(`INSERT INTO flow_runs (uuid, workspace_id, flow_id, contact_id, session_id, status, responded, results, path, created_on, modified_on, exited_on)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, u, wsID, flowID, contactID, id("SELECT id FROM flow_sessions WHERE uuid = ?", s), status, true, results, path,
			modified.Add(-time.Minute), modified, exited).Error)
		return u, id("SELECT id FROM flow_runs WHERE uuid = ?", u)
	}

	first := w.month.Add(10*time.Hour + 500*time.Millisecond)
	u, mid := msg(ws, ann, "in", "handled", "visible", `hi <there> & "you"`, `["image/jpeg:https://x.example/a.jpg"]`, nil, first)
	w.firstMsgID = mid
	w.label = uuid()
	must(t, db.Exec("INSERT INTO labels (uuid, workspace_id, name, is_active, created_on, modified_on) VALUES (?, ?, 'Important', ?, ?, ?)", w.label, ws, true, first, first).Error)
	must(t, db.Exec("INSERT INTO msg_labels (msg_id, label_id) VALUES (?, ?)", mid, id("SELECT id FROM labels WHERE uuid = ?", w.label)).Error)
	w.firstMsg = fmt.Sprintf(`{"uuid":%q,"id":%d,"broadcast":null,"contact":{"uuid":%q,"name":"Ann"},"urn":"tel:+250788000001","channel":null,"flow":null,"ticket_uuid":null,`+
		`"direction":"in","type":"text","status":"handled","visibility":"visible","text":"hi <there> & \"you\"","attachments":[{"content_type":"image/jpeg","url":"https://x.example/a.jpg"}],`+
		`"labels":[{"name":"Important","uuid":%q}],"created_on":%q,"sent_on":null,"modified_on":%q}`, u, mid, w.contact, w.label, pgStamp(first), pgStamp(first.Add(500*time.Millisecond)))
	msg(ws, ann, "out", "wired", "visible", "hello Ann", "[]", &flow, w.month.Add(11*time.Hour))
	msg(ws, ann, "in", "handled", "deleted", "deleted, never archived", "[]", nil, w.month.AddDate(0, 0, 4))
	msg(ws, ann, "in", "pending", "archived", "the month's last moment", "[]", nil, w.next.Add(-time.Microsecond))
	msg(ws, ann, "in", "handled", "visible", "in the next month", "[]", nil, w.next.AddDate(0, 0, 1).Add(12*time.Hour))
	msg(ws, ann, "in", "handled", "visible", "today's", "[]", nil, now.Add(-time.Minute))
	msg(ws2, bob, "in", "handled", "visible", "another workspace's", "[]", nil, first)

	ranAt := w.month.Add(15*time.Hour + 123456*time.Microsecond)
	u, rid := run(ws, ann, flow, "completed", ranAt)
	w.firstRun = fmt.Sprintf(`{"id":%d,"uuid":%q,"flow":{"uuid":%q,"name":%q},"contact":{"uuid":%q,"name":"Ann"},"responded":true,`+
		`"path":[{"node":"b0000000-0000-4000-8000-000000000001","time":%q}],"values":{"color":{"name":"Color","value":"red","input":"I like <red>","time":%q,"category":"Red","node":"b0000000-0000-4000-8000-000000000001"}},`+
		`"created_on":%q,"modified_on":%q,"exited_on":%q,"exit_type":"completed"}`, rid, u, w.flowUUID, w.flowName, w.contact,
		pgStamp(ranAt.Add(-2*time.Second)), pgStamp(ranAt.Add(-time.Second)), pgStamp(ranAt.Add(-time.Minute)), pgStamp(ranAt), pgStamp(ranAt))
	_, w.waitingRun = run(ws, ann, flow, "waiting", w.next.AddDate(0, 0, 1).Add(8*time.Hour))
	run(ws, ann, flow, "completed", now.Add(-time.Minute))
	run(ws2, bob, flow, "completed", ranAt) // another workspace's run (of a flow it can't see: only workspace_id scopes it)
	return w
}

func (w *archiveWorld) archive(t *testing.T, args ...string) []archived {
	t.Helper()
	out, errOut, code := flowsd(t, []string{"FLOWSD_ARCHIVE_DIR=" + w.dir}, append([]string{"archive", "--workspace", w.ws, "--db", w.dbURL,
		"--through", w.next.AddDate(0, 0, 2).Format(time.DateOnly)}, args...)...)
	if code != 0 {
		t.Fatalf("archive: exit %d: %s", code, errOut)
	}
	var built []archived
	if err := json.Unmarshal([]byte(out), &built); err != nil || built == nil {
		t.Fatalf("archive printed %q: %v", out, err)
	}
	return built
}

// lines reads an archive's file: its bytes must be what its hash and size say, its lines what it counts.
func lines(t *testing.T, a archived) []string {
	t.Helper()
	if a.File == nil || a.Hash == nil {
		t.Fatalf("%s %s %s has no file", a.Type, a.Period, a.StartDate)
	}
	raw, err := os.ReadFile(*a.File)
	must(t, err)
	if sum := md5.Sum(raw); hex.EncodeToString(sum[:]) != *a.Hash || int64(len(raw)) != a.Size {
		t.Errorf("%s: md5 %x, %d bytes; the archive says %s, %d", *a.File, sum, len(raw), *a.Hash, a.Size)
	}
	want := fmt.Sprintf("%s_%s_%s.jsonl.gz", a.Type, map[string]string{"daily": "D" + strings.ReplaceAll(a.StartDate, "-", ""),
		"monthly": "M" + strings.ReplaceAll(a.StartDate, "-", "")[:6]}[a.Period], *a.Hash)
	if filepath.Base(*a.File) != want {
		t.Errorf("file %s, want %s", filepath.Base(*a.File), want)
	}
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	must(t, err)
	plain, err := io.ReadAll(gz)
	must(t, err)
	if !bytes.HasSuffix(plain, []byte("\n")) {
		t.Errorf("%s: the last line isn't ended", *a.File)
	}
	out := strings.Split(strings.TrimSuffix(string(plain), "\n"), "\n")
	if int64(len(out)) != a.RecordCount {
		t.Errorf("%s: %d lines, the archive counts %d", *a.File, len(out), a.RecordCount)
	}
	for _, l := range out {
		if !json.Valid([]byte(l)) {
			t.Errorf("%s: not JSON: %s", *a.File, l)
		}
	}
	return out
}

// counter counts with a query on the test's own handle on the database.
func counter(t *testing.T, dbURL string) func(q string, args ...any) int64 {
	db := testdb.Raw(t, dbURL)
	return func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		must(t, db.Raw(q, args...).Row().Scan(&n))
		return n
	}
}

// TestArchive: flowsd archive builds a daily archive of each day's messages and runs, in rp-archiver's
// records, and a monthly rollup of the complete month; building again makes nothing; --delete deletes what was
// archived and nothing else; archives.json lists them with download URLs the server serves, byte for byte,
// refusing bad or expired signatures, and another workspace sees none of them.
func TestArchive(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		w := newArchiveWorld(t, dbURL)
		db, count := testdb.Raw(t, dbURL), counter(t, dbURL)
		built := w.archive(t)

		days := int(w.next.Sub(w.month).Hours()/24) + 3
		if len(built) != 2*days+2 {
			t.Fatalf("built %d archives, want %d dailies of each type and a monthly each", len(built), days)
		}
		byKey := map[string]archived{}
		for i, a := range built {
			byKey[a.Type+" "+a.Period+" "+a.StartDate] = a
			// dailies in day order, then the monthly, messages first
			wantType, k := "message", i
			if i > days {
				wantType, k = "run", i-days-1
			}
			wantPeriod, wantDay := "daily", w.month.AddDate(0, 0, k).Format(time.DateOnly)
			if k == days {
				wantPeriod, wantDay = "monthly", w.month.Format(time.DateOnly)
			}
			if a.Type != wantType || a.Period != wantPeriod || a.StartDate != wantDay {
				t.Fatalf("archive %d is %s %s %s, want %s %s %s", i, a.Type, a.Period, a.StartDate, wantType, wantPeriod, wantDay)
			}
			if (a.RecordCount == 0) != (a.Hash == nil) || (a.RecordCount == 0) != (a.File == nil) || a.RecordCount == 0 && a.Size != 0 {
				t.Errorf("%s %s %s: %d records, hash %v, file %v, size %d", a.Type, a.Period, a.StartDate, a.RecordCount, a.Hash, a.File, a.Size)
			}
		}
		day := func(offset int) string { return w.month.AddDate(0, 0, offset).Format(time.DateOnly) }
		last := w.next.AddDate(0, 0, -1).Format(time.DateOnly)
		month := w.month.Format(time.DateOnly)
		for key, n := range map[string]int64{"message daily " + day(0): 2, "message daily " + day(4): 0, "message daily " + last: 1,
			"message daily " + w.next.AddDate(0, 0, 1).Format(time.DateOnly): 1, "message daily " + w.next.AddDate(0, 0, 2).Format(time.DateOnly): 0,
			"message monthly " + month: 3, "run daily " + day(0): 1, "run daily " + w.next.AddDate(0, 0, 1).Format(time.DateOnly): 1, "run monthly " + month: 1,
			"run daily " + day(1): 0} {
			if got := byKey[key].RecordCount; got != n {
				t.Errorf("%s: %d records, want %d", key, got, n)
			}
		}

		msgs := lines(t, byKey["message daily "+day(0)])
		if msgs[0] != w.firstMsg {
			t.Errorf("message record:\n got %s\nwant %s", msgs[0], w.firstMsg)
		}
		var out struct {
			Direction, Status, Visibility string
			Flow                          struct{ UUID string }
			SentOn                        *string `json:"sent_on"`
		}
		must(t, json.Unmarshal([]byte(msgs[1]), &out))
		if out.Direction != "out" || out.Status != "wired" || out.Flow.UUID != w.flowUUID || out.SentOn == nil {
			t.Errorf("outgoing message record: %s", msgs[1])
		}
		lastDay := lines(t, byKey["message daily "+last])
		if !strings.Contains(lastDay[0], `"status":"queued","visibility":"archived"`) || !strings.Contains(lastDay[0], `"created_on":"`+last+`T23:59:59.999999+00:00"`) {
			t.Errorf("the month's last message: %s", lastDay[0])
		}
		if monthly := lines(t, byKey["message monthly "+month]); strings.Join(monthly, "\n") != strings.Join(append(msgs, lastDay...), "\n") {
			t.Errorf("the monthly rollup isn't its dailies' records in order:\n%s", strings.Join(monthly, "\n"))
		}
		if runs := lines(t, byKey["run daily "+day(0)]); runs[0] != w.firstRun {
			t.Errorf("run record:\n got %s\nwant %s", runs[0], w.firstRun)
		}
		waiting := lines(t, byKey["run daily "+w.next.AddDate(0, 0, 1).Format(time.DateOnly)])
		if !strings.Contains(waiting[0], `"exited_on":null,"exit_type":null`) {
			t.Errorf("waiting run record: %s", waiting[0])
		}
		if lines(t, byKey["run monthly "+month])[0] != w.firstRun {
			t.Errorf("the run rollup isn't its daily")
		}
		rows := count("SELECT COUNT(*) FROM archives")
		if rows != int64(len(built)) || count("SELECT COUNT(*) FROM archives WHERE rollup_id IS NOT NULL") != int64(2*(days-3)) {
			t.Errorf("%d archive rows (%d rolled up)", rows, count("SELECT COUNT(*) FROM archives WHERE rollup_id IS NOT NULL"))
		}

		// the same days again: nothing new, nothing deleted
		if again := w.archive(t); len(again) != 0 {
			t.Errorf("archiving again built %d archives", len(again))
		}
		if n := count("SELECT COUNT(*) FROM archives"); n != rows {
			t.Errorf("archiving again left %d archive rows, not %d", n, rows)
		}
		files, _ := filepath.Glob(filepath.Join(w.dir, "*", "*"))
		withRecords := 0
		for _, a := range built {
			if a.File != nil {
				withRecords++
			}
		}
		if len(files) != withRecords {
			t.Errorf("%d files in the archive directory, %d archives with records: %v", len(files), withRecords, files)
		}
		msgsBefore := count("SELECT COUNT(*) FROM msgs")
		if msgsBefore != 7 {
			t.Fatalf("%d messages before --delete", msgsBefore)
		}

		// --delete: the archived rows go, the rest stay (deleted, today's, a waiting run, the other workspace's)
		if deleted := w.archive(t, "--delete"); len(deleted) != 0 {
			t.Errorf("--delete built %d archives", len(deleted))
		}
		wsID := count("SELECT id FROM workspaces WHERE uuid = ?", w.ws)
		var left []string
		must(t, db.Raw("SELECT text FROM msgs WHERE workspace_id = ? ORDER BY created_on", wsID).Scan(&left).Error)
		if strings.Join(left, "|") != "deleted, never archived|today's" {
			t.Errorf("messages left after --delete: %q", left)
		}
		if n := count("SELECT COUNT(*) FROM flow_runs WHERE workspace_id = ?", wsID); n != 2 ||
			count("SELECT COUNT(*) FROM flow_runs WHERE id = ?", w.waitingRun) != 1 {
			t.Errorf("%d runs left after --delete, want the waiting one and today's", n)
		}
		if n := count("SELECT COUNT(*) FROM msgs m JOIN workspaces w ON w.id = m.workspace_id WHERE w.uuid = ?", w.ws2) +
			count("SELECT COUNT(*) FROM flow_runs r JOIN workspaces w ON w.id = r.workspace_id WHERE w.uuid = ?", w.ws2); n != 2 {
			t.Errorf("the other workspace has %d messages and runs, not its 2", n)
		}
		if n := count("SELECT COUNT(*) FROM msg_labels"); n != 0 {
			t.Errorf("%d labellings left of deleted messages", n)
		}
		if n := count("SELECT COUNT(*) FROM archives WHERE needs_deletion OR (record_count > 0 AND period = 'daily' AND deleted_on IS NULL)"); n != 0 {
			t.Errorf("%d archives still to delete", n)
		}
		// the files are still what they were
		lines(t, byKey["message monthly "+month])

		checkArchivesServed(t, w, byKey["message monthly "+month])
	})
}

// checkArchivesServed lists the archives through a real server and downloads one.
func checkArchivesServed(t *testing.T, w *archiveWorld, monthly archived) {
	srv := startServer(t, []string{"FLOWSD_DB=" + w.dbURL, "FLOWSD_ARCHIVE_DIR=" + w.dir})
	defer srv.stop(t)
	code, body := srv.get(t, "/api/v2/archives.json?type=message", w.token)
	var page struct {
		Count   int
		Results []archived
	}
	must(t, json.Unmarshal([]byte(body), &page))
	if code != 200 || page.Count != 4 || len(page.Results) != 4 {
		t.Fatalf("archives.json: %d %s", code, body)
	}
	if r := page.Results[3]; r.Period != "monthly" || r.StartDate != monthly.StartDate || r.RecordCount != 3 || *r.Hash != *monthly.Hash || r.Size != monthly.Size || r.DownloadURL == nil {
		t.Fatalf("the monthly archive listed as %s", body)
	}
	for _, r := range page.Results {
		if r.Period == "daily" && r.StartDate < monthly.StartDate[:7]+"-32" {
			t.Errorf("a rolled-up daily is listed: %s", body)
		}
	}
	link := *page.Results[3].DownloadURL
	if !strings.HasPrefix(link, srv.url+"/api/v2/archives/") {
		t.Errorf("download_url %s isn't on the server", link)
	}

	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	download := func(u, token string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		if token != "" {
			req.Header.Set("Authorization", "Token "+token)
		}
		resp, err := client.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, raw := download(link, "")
	sum := md5.Sum(raw)
	if resp.StatusCode != 200 || hex.EncodeToString(sum[:]) != *monthly.Hash || resp.ContentLength != monthly.Size ||
		resp.Header.Get("Content-Type") != "application/octet-stream" || resp.Header.Get("Content-Encoding") != "" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), filepath.Base(*monthly.File)) {
		t.Errorf("download: %d, %d bytes, md5 %x, headers %v", resp.StatusCode, len(raw), sum, resp.Header)
	}

	req, _ := http.NewRequest("GET", link, nil)
	req.Header.Set("Range", "bytes=0-9")
	part, err := client.Do(req)
	must(t, err)
	head, _ := io.ReadAll(part.Body)
	part.Body.Close()
	if part.StatusCode != http.StatusPartialContent || !bytes.Equal(head, raw[:10]) {
		t.Errorf("a range of the file: %d, %x", part.StatusCode, head)
	}

	u, _ := url.Parse(link)
	q := u.Query()
	sig, expires := q.Get("sig"), q.Get("expires")
	refused := func(label, u, token string, status int, detail string) {
		t.Helper()
		resp, body := download(u, token)
		if resp.StatusCode != status || !strings.Contains(string(body), detail) {
			t.Errorf("%s: %d %s", label, resp.StatusCode, body)
		}
	}
	base := srv.url + u.Path
	refused("a changed signature", base+"?expires="+expires+"&sig="+strings.Repeat("0", len(sig)), "", 403, "not valid")
	n, _ := strconv.ParseInt(expires, 10, 64)
	refused("a later expiry", base+"?expires="+strconv.FormatInt(n+3600, 10)+"&sig="+sig, "", 403, "not valid")
	refused("no signature", base, "", 403, "not valid")

	var key string
	must(t, testdb.Raw(t, w.dbURL).Raw("SELECT value FROM secrets WHERE name = 'archive_downloads'").Row().Scan(&key))
	past := time.Now().Add(-time.Minute).Unix()
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(strings.TrimSuffix(strings.TrimPrefix(u.Path, "/api/v2/archives/"), "/download") + "|" + strconv.FormatInt(past, 10)))
	refused("an expired signature", fmt.Sprintf("%s?expires=%d&sig=%x", base, past, mac.Sum(nil)), "", 403, "expired")

	// a token of the workspace may download without a signature; another workspace's may not, nor list it
	if resp, b := download(base, w.token); resp.StatusCode != 200 || !bytes.Equal(b, raw) {
		t.Errorf("download by token: %d", resp.StatusCode)
	}
	refused("another workspace's token", base, w.token2, 404, "Not found")
	if code, body := srv.get(t, "/api/v2/archives.json", w.token2); code != 200 || !strings.Contains(body, `"count":0`) {
		t.Errorf("another workspace lists: %d %s", code, body)
	}
}

// TestArchiveCommandErrors: mistakes on the command line are usage errors, and nothing is archived.
func TestArchiveCommandErrors(t *testing.T) {
	dbURL := testdb.NewEmptyURL(t, "sqlite")
	ws, _ := createWorkspace(t, dbURL, "Nyaruka", "admin@nyaruka.com")
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"archive", "--db", dbURL}, "--workspace is required"},
		{[]string{"archive", "--db", dbURL, "--workspace", ws, "--through", "last week"}, "--through must be a day"},
		{[]string{"archive", "--db", dbURL, "--workspace", ws, "--through", tomorrow}, "isn't over yet"},
		{[]string{"archive", "--db", dbURL, "--workspace", "0b0b0b0b-0000-4000-8000-000000000000"}, "no workspace"},
	} {
		_, errOut, code := flowsd(t, nil, c.args...)
		if code == 0 || !strings.Contains(errOut, c.says) {
			t.Errorf("%v: exit %d, %s", c.args, code, errOut)
		}
	}
	if n := counter(t, dbURL)("SELECT COUNT(*) FROM archives"); n != 0 {
		t.Errorf("%d archives made by mistakes", n)
	}
}

// TestArchiveJob: serve with --archive-after archives every workspace's days that ended that many days ago, in
// the background and at once on start, deleting them only with --archive-delete.
func TestArchiveJob(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		w := newArchiveWorld(t, dbURL)
		db, count := testdb.Raw(t, dbURL), counter(t, dbURL)
		srv := startServer(t, []string{"FLOWSD_DB=" + dbURL, "FLOWSD_ARCHIVE_DIR=" + w.dir, "FLOWSD_ARCHIVE_AFTER=40"})
		defer srv.stop(t)
		through := time.Now().UTC().AddDate(0, 0, -41).Format(time.DateOnly)
		// done: every workspace's dailies of both types through that day, and its monthly rollups
		done := func() (bool, string) {
			var report []string
			ok := true
			for _, ws := range []string{w.ws, w.ws2} {
				for _, typ := range []string{"message", "run"} {
					var last string
					db.Raw("SELECT MAX(start_date) FROM archives a JOIN workspaces w ON w.id = a.workspace_id WHERE w.uuid = ? AND period = 'daily' AND archive_type = ?", ws, typ).Row().Scan(&last)
					ok = ok && strings.HasPrefix(last, through)
					report = append(report, fmt.Sprintf("%s %s dailies through %q", ws, typ, last))
				}
				n := count("SELECT COUNT(*) FROM archives a JOIN workspaces w ON w.id = a.workspace_id WHERE w.uuid = ? AND period = 'monthly'", ws)
				ok = ok && n >= 2
				report = append(report, fmt.Sprintf("%s %d monthlies", ws, n))
			}
			return ok, strings.Join(report, "; ")
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			ok, report := done()
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the job did not archive through %s: %s\n%s", through, report, srv.stderr())
			}
			time.Sleep(100 * time.Millisecond)
		}
		if n := count("SELECT COUNT(*) FROM msgs"); n != 7 {
			t.Errorf("%d messages left: without --archive-delete the job deletes nothing", n)
		}
		code, body := srv.get(t, "/api/v2/archives.json?period=monthly&type=message", w.token)
		if code != 200 || !strings.Contains(body, `"start_date":"`+w.month.Format(time.DateOnly)+`"`) || !strings.Contains(body, `"record_count":3`) {
			t.Errorf("archives.json after the job: %d %s", code, body)
		}
	})
}

// TestArchiveTwoProcesses: two flowsd archive processes at once build every archive once between them.
func TestArchiveTwoProcesses(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		w := newArchiveWorld(t, dbURL)
		results := make(chan []archived, 2)
		for i := 0; i < 2; i++ {
			go func() {
				out, errOut, code := flowsd(t, []string{"FLOWSD_ARCHIVE_DIR=" + w.dir}, "archive", "--workspace", w.ws, "--db", dbURL,
					"--through", w.next.AddDate(0, 0, 2).Format(time.DateOnly))
				var built []archived
				if err := json.Unmarshal([]byte(out), &built); code != 0 || err != nil {
					t.Errorf("archive: exit %d: %s %s", code, out, errOut)
				}
				results <- built
			}()
		}
		a, b := <-results, <-results
		days := int(w.next.Sub(w.month).Hours()/24) + 3
		if len(a)+len(b) != 2*days+2 {
			t.Errorf("the processes built %d and %d archives, want %d between them", len(a), len(b), 2*days+2)
		}
		if n := counter(t, dbURL)("SELECT COUNT(*) FROM archives"); n != int64(2*days+2) {
			t.Errorf("%d archive rows", n)
		}
		for _, a := range append(a, b...) {
			if a.RecordCount > 0 {
				lines(t, a) // each recorded file is there, as hashed
			}
		}
	})
}
