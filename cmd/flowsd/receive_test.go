package main_test

import (
	"encoding/json"
	"strings"
	"testing"
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
