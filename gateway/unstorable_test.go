package gateway_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestReceiveUnstorableText: text PostgreSQL can't hold (NUL characters, invalid UTF-8) is taken and stored
// cleaned, on both databases alike, not answered with a 500.
func TestReceiveUnstorableText(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		for text, want := range map[string]string{"a\x00b": "ab", "a\xffb": "a\uFFFDb"} {
			a := e.call(http.MethodPost, path(e.ch, "receive"), url.Values{"from": {"0788123123"}, "text": {text}})
			if a.status != http.StatusOK || len(a.json.Data) != 1 || a.json.Data[0]["text"] != want {
				t.Fatalf("%q: %d %s", text, a.status, a.body)
			}
			if n := e.count("msgs", "text = ?", want); n != 1 {
				t.Errorf("%q: %d messages stored as %q", text, n, want)
			}
		}
		// a status's uuid that isn't one (courier takes it, naming no message) is no 500 either
		a := e.call(http.MethodPost, path(e.ch, "sent"), url.Values{"id": {"0191e180-7d60-7000-aded-7d8b151cbd5b"}, "uuid": {"x\xff\x00"}})
		if a.status != http.StatusOK {
			t.Fatalf("status: %d %s", a.status, a.body)
		}
	})
}
