package main_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
)

// TestCampaignFiresThroughAGateway: a campaign made through the API, an event at a date field, contacts given
// the date a minute ahead; the process that scheduled them is killed before they fall due, and the processes
// started after it (two on PostgreSQL) fire every one once, through the EX channel to the gateway, in each
// contact's name.
func TestCampaignFiresThroughAGateway(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		t.Parallel() // each waits up to a minute and a half for the clock
		s := newMessagingSetup(t, dbURL, "eng", 1000)
		srv := startServer(t, s.env())
		post := func(path string, body map[string]any) map[string]any { return s.post(t, srv, path, body) }
		field, group, _ := s.reminders(t, srv, "Hi @contact.name, it's time")

		const n = 20
		var contacts []map[string]any
		for i := range n {
			contacts = append(contacts, post("/api/v2/contacts.json", map[string]any{"name": fmt.Sprint("Mother ", i),
				"urns": []string{fmt.Sprintf("tel:+25078850%04d", i)}, "groups": []string{group["uuid"].(string)}}))
		}
		// the due date rounds up to the next whole minute at least 20s away: every fire is still ahead when set
		due := time.Now().UTC().Add(20 * time.Second)
		for i, c := range contacts {
			code, out := s.api(t, srv, "POST", "/api/v2/contacts.json?uuid="+c["uuid"].(string),
				map[string]any{"fields": map[string]any{field["key"].(string): due.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano)}})
			if code != 200 {
				t.Fatalf("setting the due date: %d %v", code, out)
			}
		}
		fireAt := due.Truncate(time.Minute).Add(time.Minute)
		if time.Now().After(fireAt) {
			t.Fatal("setting the dates took past the fire time: make the margin bigger")
		}
		srv.cmd.Process.Signal(syscall.SIGKILL)
		srv.cmd.Wait()
		if got := s.sink.count(); got != 0 {
			t.Fatalf("the gateway got %d messages before the fires were due", got)
		}

		procs := 1
		if d, _, _ := models.ParseURL(dbURL); d == models.Postgres {
			procs = 2
		}
		for range procs {
			next := startServer(t, s.env())
			defer next.stop(t)
		}
		waitFor(t, "every reminder", time.Until(fireAt)+60*time.Second, func() bool { return s.sink.count() >= n })
		time.Sleep(500 * time.Millisecond)
		if time.Now().Before(fireAt) {
			t.Fatalf("fired before %s", fireAt)
		}
		for i := range n {
			number := fmt.Sprintf("+25078850%04d", i)
			if got := s.sink.texts(number); len(got) != 1 || got[0] != fmt.Sprintf("Hi Mother %d, it's time", i) {
				t.Errorf("%s got %q", number, got)
			}
		}
	})
}

// post makes an object through the API, which must answer 201.
func (s *messagingSetup) post(t *testing.T, srv *server, path string, body map[string]any) map[string]any {
	t.Helper()
	code, out := s.api(t, srv, "POST", path, body)
	if code != 201 {
		t.Fatalf("POST %s: %d %v", path, code, out)
	}
	return out
}

// reminders makes, through the API, a campaign on a "Mothers" group whose one event sends message when a
// contact's "Due Date" is reached; it answers the field, the group and the event.
func (s *messagingSetup) reminders(t *testing.T, srv *server, message string) (field, group, event map[string]any) {
	t.Helper()
	field = s.post(t, srv, "/api/v2/fields.json", map[string]any{"label": "Due Date", "value_type": "datetime"})
	group = s.post(t, srv, "/api/v2/groups.json", map[string]any{"name": "Mothers"})
	campaign := s.post(t, srv, "/api/v2/campaigns.json", map[string]any{"name": "Reminders", "group": group["uuid"]})
	event = s.post(t, srv, "/api/v2/campaign_events.json", map[string]any{"campaign": campaign["uuid"], "relative_to": field["key"],
		"offset": 0, "unit": "minutes", "delivery_hour": -1, "message": message})
	return field, group, event
}
