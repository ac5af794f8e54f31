package flows

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestFiresSharedByProcesses: timeouts come due for many contacts at once and two processes (two stores on one
// PostgreSQL database, or two workers of one SQLite process) fire them side by side: every timeout fires once,
// none twice, none left.
func TestFiresSharedByProcesses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		e.importFile("messaging.json")
		var contacts []*models.Contact
		for i := range 40 {
			contacts = append(contacts, e.contact(fmt.Sprint("P", i), fmt.Sprintf("tel:+2507881%05d", i)))
		}
		e.startNow(favoriteColor, contacts...)

		other := e.host
		if d == models.Postgres {
			store, err := models.OpenStore(e.ctx, e.dbURL, e.clock.Now, nil)
			must(t, err)
			t.Cleanup(func() { store.Close() })
			store.Rules = NewRules()
			other = NewHost(store, slog.New(slog.NewTextHandler(io.Discard, nil)), EngineOptions{HTTPClient: &http.Client{Timeout: 5 * time.Second}})
			other.LockWait = e.host.LockWait
		}
		e.clock.Set(e.store.Now().Add(301 * time.Second))

		var wg sync.WaitGroup
		fired := make([]int, 2)
		for i, h := range []*Host{e.host, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n, err := h.FireDue(e.ctx, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
					fired[i] += n
				}
			}()
		}
		wg.Wait()
		if fired[0]+fired[1] != len(contacts) {
			t.Errorf("fired %d and %d, want %d in all", fired[0], fired[1], len(contacts))
		}
		for _, c := range contacts {
			if got := e.count("msgs", "contact_id = ? AND text = ?", c.ID, "We didn't hear back. Text COLOR to try again."); got != 1 {
				t.Fatalf("%s got the timeout's message %d times", *c.Name, got)
			}
		}
		if due := e.count("flow_sessions", "status = ? AND timeout_on IS NOT NULL", models.SessionWaiting); due != 0 {
			t.Errorf("%d sessions still wait for their timeout", due)
		}
	})
}

// TestFireUnreadableSession: a due session the engine can't read fails, and the sessions due after it still
// fire; it would otherwise be first in line for ever.
func TestFireUnreadableSession(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newHostEnv(t, d)
		e.importFile("messaging.json")
		bad, good := e.contact("Bad", "tel:+250788000001"), e.contact("Good", "tel:+250788000002")
		e.startNow(favoriteColor, bad, good)
		must(t, e.db.Raw.Exec("UPDATE flow_sessions SET output = ? WHERE contact_id = ?", `{"nonsense": true}`, bad.ID).Error)
		e.clock.Set(e.store.Now().Add(301 * time.Second))

		n, err := e.host.FireDue(e.ctx, 100)
		must(t, err)
		if n != 2 {
			t.Fatalf("fired %d, want both", n)
		}
		e.wantLast(good, "We didn't hear back. Text COLOR to try again.")
		var session models.FlowSession
		must(t, e.db.Raw.Where("contact_id = ?", bad.ID).Take(&session).Error)
		if session.Status != models.SessionFailed || session.TimeoutOn != nil {
			t.Errorf("the unreadable session is %s with timeout %v", session.Status, session.TimeoutOn)
		}
		if runs := e.runs(bad); runs[0].Status != models.RunFailed {
			t.Errorf("its run is %s", runs[0].Status)
		}
		if bad = e.refresh(bad); bad.CurrentSessionID != nil {
			t.Error("its contact still waits in it")
		}
	})
}
