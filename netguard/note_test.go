package netguard_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/flowsd/flowsd/netguard"
)

// TestNote: a request whose context carries a Note has the guard's denial noted in it, whatever the client
// library makes of the error; an allowed call, or one without a Note, notes nothing.
func TestNote(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	call := func(cl *http.Client) *netguard.Note {
		ctx, note := netguard.WithNote(t.Context())
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		if resp, err := cl.Do(req); err == nil {
			resp.Body.Close()
		}
		return note
	}
	denied := &http.Client{Transport: netguard.Transport(netguard.Default()), Timeout: 5 * time.Second}
	if d := call(denied).Denied(); d == nil || d.IP.String() != "127.0.0.1" {
		t.Fatalf("denied call noted %v", d)
	}
	allowed := &http.Client{Transport: netguard.Transport(nil), Timeout: 5 * time.Second}
	if d := call(allowed).Denied(); d != nil {
		t.Fatalf("allowed call noted %v", d)
	}
	// no Note: the denial is only the call's error
	if _, err := denied.Get(srv.URL); err == nil {
		t.Fatal("the call without a Note went through")
	}
}
