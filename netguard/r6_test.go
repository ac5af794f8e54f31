package netguard_test

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/netguard"
)

var update = flag.Bool("update", false, "rewrite docs/reliability.md's R6 table")

// TestOutgoingRefused is R6's table: every kind of address an outgoing call could be pointed at to reach inside
// the host's network, called through the guarded transport that flow webhooks, resthooks and channel sends
// share (runtime.HTTP), with the default deny list. Each must be refused at connect time with DeniedError.
func TestOutgoingRefused(t *testing.T) {
	redirectTarget, ok := serve(t, "127.0.0.2:0", nil)
	if !ok {
		t.Skip("127.0.0.2 can't be listened on here")
	}
	loop, _ := serve(t, "127.0.0.1:0", nil)
	// the redirect row needs a first hop the list allows: the default list without 127.0.0.1 itself
	var allowLoop []string
	for _, n := range netguard.DefaultDeny {
		if n != "127.0.0.0/8" {
			allowLoop = append(allowLoop, n)
		}
	}
	allowLoop = append(allowLoop, "127.0.0.2/31", "127.0.0.4/30", "127.0.1.0/24")
	redirector, _ := serve(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, redirectTarget.URL+"/inside", http.StatusFound)
	})
	port := strings.TrimPrefix(loop.URL, "http://127.0.0.1:")
	cases := []struct{ kind, url, list string }{
		{"loopback", loop.URL, ""},
		{"private 10/8", "http://10.0.0.1/", ""},
		{"private 172.16/12", "http://172.16.0.1/", ""},
		{"private 192.168/16", "http://192.168.1.1/", ""},
		{"carrier-grade NAT", "http://100.64.0.1/", ""},
		{"link-local", "http://169.254.1.1/", ""},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", ""},
		{"this network", "http://0.0.0.0:" + port + "/", ""},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + port + "/", ""},
		{"IPv6 loopback", "http://[::1]:" + port + "/", ""},
		{"IPv6 unspecified", "http://[::]:" + port + "/", ""},
		{"IPv6 unique local", "http://[fc00::1]/", ""},
		{"IPv6 link-local", "http://[fe80::1]/", ""},
		{"a name resolving to 127.0.0.1", "http://localhost:" + port + "/", ""},
		{"a redirect to a denied address", redirector.URL + "/", strings.Join(allowLoop, ",")},
	}
	var b strings.Builder
	b.WriteString("| address | called | refused | reason |\n|---|---|---|---|\n")
	for _, c := range cases {
		access := netguard.Default()
		if c.list != "" {
			access = parse(t, c.list)
		}
		cl := &http.Client{Transport: netguard.Transport(access), Timeout: 5 * time.Second}
		resp, err := cl.Get(c.url)
		if resp != nil {
			resp.Body.Close()
		}
		var denied *netguard.DeniedError
		refused := errors.As(err, &denied)
		if !refused {
			t.Errorf("%s (%s): not refused by the guard: %v", c.kind, c.url, err)
		}
		reason := ""
		if refused {
			reason = denied.Error()
		}
		shown := regexp.MustCompile(`:\d{4,5}`).ReplaceAllString(c.url, ":PORT")
		fmt.Fprintf(&b, "| %s | `%s` | %v | %s |\n", c.kind, shown, refused, reason)
	}
	if loop.hits.Load() != 0 || redirectTarget.hits.Load() != 0 {
		t.Errorf("a denied server was reached: loopback %d, redirect target %d", loop.hits.Load(), redirectTarget.hits.Load())
	}
	if redirector.hits.Load() != 1 {
		t.Errorf("the allowed first hop got %d requests", redirector.hits.Load())
	}
	if t.Failed() {
		return
	}
	const path = "../docs/reliability.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	open, end := "<!-- R6-figures -->", "<!-- /R6-figures -->"
	re := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(open) + `.*?` + regexp.QuoteMeta(end))
	block := open + "\n" + b.String() + end
	current := re.FindString(string(raw))
	if current == block {
		return
	}
	if !*update || current == "" {
		t.Fatalf("docs/reliability.md's R6 table is not current: run go test ./netguard -run TestOutgoingRefused -update\nwant:\n%s", block)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(raw), current, block, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
