package main_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/flowsd/flowsd/testdb"
)

// TestReceive: a message handed in on the command line starts a keyword's flow for a new contact, and the
// next one is the flow's reply; bad command lines are usage errors.
func TestReceive(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		out, errOut, code := flowsd(t, nil, "workspace", "create", "--name", "Nyaruka", "--email", "admin@nyaruka.com", "--country", "RW", "--db", dbURL)
		if code != 0 {
			t.Fatalf("workspace create: %s", errOut)
		}
		var ws created
		json.Unmarshal([]byte(out), &ws)
		if _, errOut, code := flowsd(t, nil, append([]string{"import", "--workspace", ws.Workspace.UUID, "--db", dbURL}, exportPaths("messaging.json")...)...); code != 0 {
			t.Fatalf("import: %s", errOut)
		}

		receive := func(text ...string) (replies []string, contact string) {
			t.Helper()
			out, errOut, code := flowsd(t, nil, append([]string{"receive", "--workspace", ws.Workspace.UUID, "--urn", "tel:0788123123", "--db", dbURL}, text...)...)
			if code != 0 {
				t.Fatalf("receive %v: exit %d, %s", text, code, errOut)
			}
			var got struct {
				Msg, Contact string
				Replies      []string
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil || got.Msg == "" {
				t.Fatalf("output %q: %v", out, err)
			}
			return got.Replies, got.Contact
		}
		replies, first := receive("COLOR", "please")
		if strings.Join(replies, "|") != "What is your favorite color? Red, blue or green?" {
			t.Fatalf("keyword answered %q", replies)
		}
		replies, second := receive("blue")
		if strings.Join(replies, "|") != "Great, Blue it is!" || second != first {
			t.Fatalf("reply answered %q (contact %s, then %s)", replies, first, second)
		}

		for _, tc := range []struct {
			args []string
			code int
			err  string
		}{
			{[]string{"receive", "--urn", "tel:+250788123123", "hi"}, 2, "--workspace is required"},
			{[]string{"receive", "--workspace", ws.Workspace.UUID, "hi"}, 2, "--urn is required"},
			{[]string{"receive", "--workspace", ws.Workspace.UUID, "--urn", "tel:+250788123123"}, 2, "no message text given"},
			{[]string{"receive", "--workspace", ws.Workspace.UUID, "--urn", "nope:123", "hi"}, 2, `invalid URN "nope:123"`},
			{[]string{"receive", "--workspace", "00000000-0000-4000-8000-000000000000", "--urn", "tel:+250788123123", "hi"}, 1, "no workspace with UUID"},
		} {
			_, errOut, code := flowsd(t, nil, append(tc.args, "--db", dbURL)...)
			if code != tc.code || !strings.Contains(errOut, tc.err) {
				t.Errorf("%v: exit %d, %q; want %d, %q", tc.args, code, errOut, tc.code, tc.err)
			}
		}
	})
}

// TestReceiveWebhookDenied: run from the command line, flowsd keeps the default deny list: a keyword's flow
// calling a webhook on loopback goes down its Failure route without reaching it, and says why on stderr. The
// deny list set empty, by flag or by environment, lets the call through.
func TestReceiveWebhookDenied(t *testing.T) {
	var hits atomic.Int32
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"name": "Jo from the CRM"}`))
	}))
	defer crm.Close()
	data, err := os.ReadFile(exportPaths("webhooks.json")[0])
	must(t, err)
	var export map[string]any
	must(t, json.Unmarshal(bytes.ReplaceAll(data, []byte("https://api.example.com/"), []byte(crm.URL+"/")), &export))
	export["triggers"] = []any{map[string]any{"trigger_type": "K", "keywords": []string{"lookup"}, "match_type": "F", "groups": []any{}, "exclude_groups": []any{},
		"flow": map[string]any{"uuid": "2a067069-6390-44f6-8dd4-be4674574878", "name": "Webhook Lookup"}}}
	file := filepath.Join(t.TempDir(), "lookup.json")
	b, err := json.Marshal(export)
	must(t, err)
	must(t, os.WriteFile(file, b, 0o644))

	eachDB(t, func(t *testing.T, dbURL string) {
		hits.Store(0)
		out, errOut, code := flowsd(t, nil, "workspace", "create", "--name", "Nyaruka", "--email", "admin@nyaruka.com", "--country", "RW", "--db", dbURL)
		if code != 0 {
			t.Fatalf("workspace create: %s", errOut)
		}
		var ws created
		must(t, json.Unmarshal([]byte(out), &ws))
		if _, errOut, code := flowsd(t, nil, "import", "--workspace", ws.Workspace.UUID, "--db", dbURL, file); code != 0 {
			t.Fatalf("import: %s", errOut)
		}
		receive := func(env []string, args ...string) (string, string) {
			t.Helper()
			out, errOut, code := flowsd(t, env, append([]string{"receive", "--workspace", ws.Workspace.UUID, "--urn", "tel:0788123123", "--db", dbURL}, append(args, "lookup")...)...)
			if code != 0 {
				t.Fatalf("receive: exit %d, %s", code, errOut)
			}
			var got struct{ Replies []string }
			must(t, json.Unmarshal([]byte(out), &got))
			return strings.Join(got.Replies, "|"), errOut
		}

		replies, errOut := receive(nil)
		if replies != "Sorry, we couldn't look you up." || hits.Load() != 0 {
			t.Fatalf("with the default list: replies %q, %d calls to the webhook", replies, hits.Load())
		}
		if !strings.Contains(errOut, "outgoing call denied") || !strings.Contains(errOut, "flowsd: address 127.0.0.1 is denied by FLOWSD_WEBHOOKS_DENY") {
			t.Errorf("stderr doesn't say why: %q", errOut)
		}
		var statuses []string
		must(t, testdb.Raw(t, dbURL).Raw("SELECT status FROM http_logs ORDER BY id").Scan(&statuses).Error)
		if strings.Join(statuses, ",") != "connection_error" {
			t.Errorf("http logs %v", statuses)
		}

		if replies, _ := receive(nil, "--webhooks-deny", ""); replies != "Welcome back, Jo from the CRM!" || hits.Load() != 1 {
			t.Fatalf("--webhooks-deny '': replies %q, %d calls", replies, hits.Load())
		}
		if replies, _ := receive([]string{"FLOWSD_WEBHOOKS_DENY="}); replies != "Welcome back, Jo from the CRM!" || hits.Load() != 2 {
			t.Fatalf("FLOWSD_WEBHOOKS_DENY=: replies %q, %d calls", replies, hits.Load())
		}
	})
}
