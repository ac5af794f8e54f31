package api_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// chromiumPath finds the browser for the browser tests: FLOWSD_TEST_CHROMIUM, Debian's /usr/bin/chromium, or
// chromium on the PATH.
func chromiumPath() string {
	if p := os.Getenv("FLOWSD_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "chromium"} {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
	}
	return ""
}

// browser is one headless Chromium tab for a test, with what the page did that it shouldn't have: uncaught
// exceptions, dialogs (an alert() would mean escaping failed), Content-Security-Policy violations.
type browser struct {
	t           *testing.T
	ctx         context.Context
	screenshots bool // saved to artifacts/
	mu          sync.Mutex
	problems    []string
}

func newBrowser(t *testing.T) *browser {
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and no chromium: install Debian's chromium (apt-get install chromium) or set FLOWSD_TEST_CHROMIUM")
		}
		t.Skip("!!! NO CHROMIUM: browser tests skipped. Install Debian's chromium (apt-get install chromium) or set FLOWSD_TEST_CHROMIUM.")
	}
	// the flags this machine's closed network needs, or Chromium hangs looking for Google's servers
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, screenshots: true}

	if err := chromedp.Do(ctx); err != nil { // starts the browser, outside any timeout
		t.Fatalf("starting %s: %v", path, err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *cdpruntime.EventExceptionThrown:
			b.problem("uncaught exception: " + ev.ExceptionDetails.Text + " " + describe(ev.ExceptionDetails.Exception))
		case *page.EventJavascriptDialogOpening:
			b.problem("a dialog opened: " + ev.Message)
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		case *log.EventEntryAdded:
			if ev.Entry.Source == log.EntrySourceSecurity || strings.Contains(ev.Entry.Text, "Content Security Policy") {
				b.problem("security: " + ev.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("in the browser: %s", p)
		}
	})
	return b
}

func describe(o *cdpruntime.RemoteObject) string {
	if o == nil {
		return ""
	}
	return o.Description
}

func (b *browser) problem(p string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, p)
}

// do runs actions, failing the test on error; each call has its own time limit.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func run[T any](b *browser, action chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

func (b *browser) text(selector string) string {
	b.t.Helper()
	return run(b, chromedp.TextContent(chromedp.CSS(selector)))
}

// waitText waits until the element's text contains want.
func (b *browser) waitText(selector, want string) {
	b.t.Helper()
	sel, _ := json.Marshal(selector)
	w, _ := json.Marshal(want)
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](
		`(document.querySelector(`+string(sel)+`)?.textContent || "").includes(`+string(w)+`)`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		b.t.Fatalf("waiting for %s to show %q (it shows %q): %v", selector, want, b.text(selector), err)
	}
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	b.save(name, run(b, chromedp.FullScreenshot(100)))
}

// phoneScreenshot shows the whole page on a phone of the given width. The phone's screen is made as tall as
// the page first: a full-page capture of an emulated phone leaves out scrolling boxes below the screen.
func (b *browser) phoneScreenshot(name string, width int64) {
	b.t.Helper()
	height := run(b, chromedp.Evaluate[int64](`document.documentElement.scrollHeight`))
	b.do(chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulatePortrait))
	b.save(name, run(b, chromedp.CaptureScreenshot()))
}

func (b *browser) save(name string, png []byte) {
	b.t.Helper()
	if !b.screenshots {
		return
	}
	dir := filepath.Join("..", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: artifacts/%s", name)
}

// TestBrowserDocsPages loads the root docs page and an endpoint's page in Chromium.
func TestBrowserDocsPages(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, models.SQLite, envOptions{})

	b.do(chromedp.Navigate(e.server.URL + "/api/v2/"))
	if title := run(b, chromedp.Title()); title != "flowsd API v2" {
		t.Errorf("root title %q", title)
	}
	root := b.text("main")
	for _, want := range []string{"/api/v2/fields", "/api/v2/workspace", "Verbs", "Status codes", "Rate limiting", "Retry-After",
		"Dates", "URNs", "Translatable values", "Authorization: Token YOUR_API_TOKEN", "API explorer", "OpenAPI"} {
		if !strings.Contains(root, want) {
			t.Errorf("root docs page lacks %q", want)
		}
	}
	b.screenshot("docs-root.png")

	b.do(chromedp.Navigate(e.server.URL + "/api/v2/groups"))
	if h1 := b.text("h1"); h1 != "Contact Groups Endpoint" {
		t.Errorf("groups page heading %q", h1)
	}
	page := b.text("main")
	for _, want := range []string{"List Contact Groups", "Add or Update Contact Groups", "Delete Contact Groups", "manual_only",
		"Throttle scope: v2", "GET /api/v2/groups.json?name=Reporters", `"name": "Reporters"`, "201 Created", "204 No Content",
		"Allowed for: administrator, editor"} {
		if !strings.Contains(page, want) {
			t.Errorf("groups docs page lacks %q", want)
		}
	}
	b.screenshot("docs-groups.png")
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait), chromedp.Reload())
	if w := run(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the docs page is %dpx wide on a 390px phone", w)
	}
	b.phoneScreenshot("docs-groups-phone.png", 390)
	b.do(chromedp.EmulateViewport(1280, 900))

	b.do(chromedp.Navigate(e.server.URL + "/api/v2/nope"))
	if body := b.text("body"); !strings.Contains(body, "Not found.") {
		t.Errorf("unknown docs page shows %q", body)
	}
}

// TestBrowserExplorer uses the explorer as a person would, on both databases: paste a token, list fields,
// create groups (one with a hostile name), then try a bad token. Screenshots are of the SQLite run.
func TestBrowserExplorer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		b := newBrowser(t)
		b.screenshots = d == models.SQLite
		useExplorer(t, b, newEnv(t, d, envOptions{}))
	})
}

func useExplorer(t *testing.T, b *browser, e *env) {
	explorer := e.server.URL + "/api/v2/explorer/"

	b.do(chromedp.Navigate(explorer))
	if title := run(b, chromedp.Title()); title != "flowsd – API Explorer" {
		t.Errorf("title %q", title)
	}
	b.checkAccessible()

	// the token: kept in session storage only, and the banner names its workspace
	b.do(chromedp.SendKeys(chromedp.ID("token"), e.tokens["admin"]), chromedp.Click(chromedp.ID("token-use")))
	b.waitText("#banner", "All operations work against live data in the Nyaruka workspace.")
	if name := b.text("#workspace-name"); name != "Nyaruka" {
		t.Errorf("banner names %q", name)
	}
	stored := run(b, chromedp.Evaluate[string](`sessionStorage.getItem("flowsd.apiToken")`))
	if stored != e.tokens["admin"] {
		t.Errorf("session storage holds %q", stored)
	}
	if n := run(b, chromedp.Evaluate[int](`localStorage.length + document.cookie.length`)); n != 0 {
		t.Error("the token went somewhere other than session storage")
	}

	// GET fields.json: the card's example query finds nothing yet, so clear it and list everything
	b.openCard("fields-get")
	if preview := b.text("#fields-get .preview"); !strings.Contains(preview, "GET "+e.server.URL+"/api/v2/fields.json?key=nick_name") ||
		!strings.Contains(preview, "Authorization: Token [your API token]") {
		t.Errorf("request preview %q", preview)
	}
	b.clear("fields-get-query")
	b.do(chromedp.Click(chromedp.CSS("#fields-get button[type=submit]")))
	b.waitText("#fields-get .status", "200")
	var listing struct{ Results []any }
	if err := json.Unmarshal([]byte(b.text("#fields-get .response")), &listing); err != nil || listing.Results == nil {
		t.Errorf("fields response isn't a page of results: %v %q", err, b.text("#fields-get .response"))
	}
	if headers := b.text("#fields-get .headers"); !strings.Contains(headers, "x-ratelimit-remaining") {
		t.Errorf("rate limit headers not shown: %q", headers)
	}

	// POST groups.json with the example body: a real group in the database
	b.openCard("groups-post")
	b.sendBody("groups-post", `{"name": "Reporters"}`)
	b.waitText("#groups-post .status", "201")
	if resp := b.text("#groups-post .response"); !strings.Contains(resp, `"name": "Reporters"`) {
		t.Errorf("create answer %q", resp)
	}
	e.expectCount(t, "SELECT count(*) FROM contact_groups WHERE name = 'Reporters' AND is_active", 1)

	// a hostile name stays text, in the answer to the write and in a listing
	hostile := "<script>alert(1)</script>"
	b.sendBody("groups-post", `{"name": "`+hostile+`"}`)
	b.waitText("#groups-post .status", "201")
	b.openCard("groups-get")
	b.clear("groups-get-query")
	b.do(chromedp.Click(chromedp.CSS("#groups-get button[type=submit]")))
	b.waitText("#groups-get .status", "200")
	b.waitText("#groups-get .response", hostile)
	if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll("script").length`)); n != 1 {
		t.Errorf("%d script elements on the page, want only explorer.js", n)
	}
	if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll(".response *, .status *, .headers *").length`)); n != 0 {
		t.Errorf("answers were rendered as HTML: %d elements inside them", n)
	}
	b.screenshot("explorer.png")

	// a phone: nothing wider than the screen but the scrolling code blocks; the token stays for the tab
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait),
		chromedp.Navigate(explorer+"#groups-post"), chromedp.Reload())
	b.waitText("#banner", "Nyaruka")
	if !run(b, chromedp.Evaluate[bool](`document.getElementById("groups-post").open && !document.getElementById("groups-get").open`)) {
		t.Error("a link to an operation doesn't open its card alone")
	}
	b.sendBody("groups-post", `{"name": "Phone"}`)
	b.waitText("#groups-post .status", "201")
	if w := run(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the explorer is %dpx wide on a 390px phone", w)
	}
	b.phoneScreenshot("explorer-phone.png", 390)
	b.do(chromedp.EmulateViewport(1280, 900))

	// a bad token: the banner says so, and requests show the API's 403
	b.do(chromedp.SendKeys(chromedp.ID("token"), "not-a-real-token"), chromedp.Click(chromedp.ID("token-use")))
	b.waitText("#banner", "This token was not accepted (403): Invalid token")
	b.openCard("fields-get")
	b.do(chromedp.Click(chromedp.CSS("#fields-get button[type=submit]")))
	b.waitText("#fields-get .status", "403")
	if resp := b.text("#fields-get .response"); !strings.Contains(resp, `"detail": "Invalid token"`) {
		t.Errorf("403 body %q", resp)
	}

	b.do(chromedp.Click(chromedp.ID("token-forget")))
	if stored := run(b, chromedp.Evaluate[*string](`sessionStorage.getItem("flowsd.apiToken")`)); stored != nil {
		t.Errorf("forgotten token still stored: %q", *stored)
	}
}

// TestBrowserExplorerHostileWorkspace: a workspace's name is shown in the banner as text.
func TestBrowserExplorerHostileWorkspace(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, models.SQLite, envOptions{})
	name := `<img src=x onerror="alert(2)">`
	_, _, token, err := e.store.CreateWorkspace(context.Background(), models.WorkspaceSpec{Name: name, Timezone: "UTC"}, "x@example.com")
	e.must(err)

	b.do(chromedp.Navigate(e.server.URL+"/api/v2/explorer/"),
		chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Click(chromedp.ID("token-use")))
	b.waitText("#workspace-name", name)
	if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll("#banner img").length`)); n != 0 {
		t.Error("the workspace name was rendered as HTML")
	}
}

func (b *browser) openCard(id string) {
	b.t.Helper()
	if !run(b, chromedp.Evaluate[bool](`document.getElementById("`+id+`").open`)) {
		b.do(chromedp.Click(chromedp.CSS("#" + id + " > summary")))
	}
	b.do(chromedp.WaitVisible(chromedp.CSS("#" + id + " button[type=submit]")))
}

// clear empties a text field as selecting all and deleting would, input event included.
func (b *browser) clear(id string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`(el => { el.value = ""; el.dispatchEvent(new Event("input", {bubbles: true})) })(document.getElementById("` + id + `"))`))
}

// sendBody types a body into a card, as a person would, and sends it.
func (b *browser) sendBody(id, body string) {
	b.t.Helper()
	b.clear(id + "-body")
	b.do(chromedp.SendKeys(chromedp.ID(id+"-body"), body), chromedp.Click(chromedp.CSS("#"+id+" button[type=submit]")))
}

// checkAccessible: every control has a label, nothing reorders focus, and the keyboard reaches the token
// field right after the page's links.
func (b *browser) checkAccessible() {
	b.t.Helper()
	unlabelled := run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("input, textarea, select")]
		.filter(el => !el.labels || el.labels.length === 0).map(el => el.id || el.name)`))
	if len(unlabelled) > 0 {
		b.t.Errorf("controls without labels: %v", unlabelled)
	}
	if n := run(b, chromedp.Evaluate[int](`document.querySelectorAll("[tabindex]").length`)); n != 0 {
		b.t.Errorf("%d elements change the focus order", n)
	}
	var order []string
	for range 6 { // skip link, home, Endpoints, Explorer, OpenAPI, then the token
		b.do(chromedp.KeyEvent(kb.Tab))
		order = append(order, run(b, chromedp.Evaluate[string](`document.activeElement.id || document.activeElement.textContent.trim()`)))
	}
	if order[0] != "Skip to content" || order[5] != "token" {
		b.t.Errorf("focus order %v: want the skip link first and the token field after the navigation", order)
	}
}

func (e *env) expectCount(t *testing.T, query string, want int64) {
	t.Helper()
	var n int64
	if err := e.db.Raw.Raw(query).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("%s = %d, want %d", query, n, want)
	}
}
