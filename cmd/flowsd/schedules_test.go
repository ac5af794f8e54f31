package main_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/nyaruka/gocommon/urns"
)

const favoriteColorFlow = "0f200337-0277-4118-a064-eaebb8d055ac" // in messaging.json

type scheduleJSON struct {
	UUID      string
	Repeat    string
	Days      *string
	NextFire  *string `json:"next_fire"`
	Flow      *struct{ UUID, Name string }
	Broadcast *struct {
		Text         map[string]string
		BaseLanguage string `json:"base_language"`
	}
	Groups   []struct{ UUID, Name string }
	Contacts []struct{ UUID, Name string }
}

// scheduleSetup is a workspace in New York with the messaging flows, a channel, a group of two and a third
// contact; and another workspace with a group and a contact of its own.
type scheduleSetup struct {
	*messagingSetup
	store                    *models.Store
	group, ann, bob, cat     string
	otherGroup, otherContact string
}

func newScheduleSetup(t *testing.T, dbURL string) *scheduleSetup {
	t.Helper()
	s := &scheduleSetup{messagingSetup: newMessagingSetup(t, dbURL, "eng", 1000)}
	ctx := context.Background()
	store, err := models.OpenStore(ctx, dbURL, nil, nil)
	must(t, err)
	t.Cleanup(func() { store.Close() })
	s.store = store
	ws, err := store.GetWorkspace(ctx, s.ws)
	must(t, err)
	must(t, testdb.Raw(t, dbURL).Model(&models.Workspace{}).Where("id = ?", ws.ID).Update("timezone", "America/New_York").Error)
	contact := func(ws *models.Workspace, name, urn string) *models.Contact {
		c, err := store.CreateContact(ctx, ws, models.ContactSpec{Name: &name, URNs: []models.URNSpec{models.URNSpecFor(urns.URN(urn))}, SetURNs: true})
		must(t, err)
		return c
	}
	ann, bob, cat := contact(ws, "Ann Smith", "tel:+250788000201"), contact(ws, "Bob Jones", "tel:+250788000202"), contact(ws, "Cat Lee", "tel:+250788000203")
	g, err := store.CreateGroup(ctx, ws.ID, "Farmers")
	must(t, err)
	must(t, store.ChangeGroup(ctx, ws, g, []int64{ann.ID, bob.ID}, true))
	s.group, s.ann, s.bob, s.cat = g.UUID, ann.UUID, bob.UUID, cat.UUID

	other, _ := testdb.Workspace(t, store, testdb.Trileet)
	og, err := store.CreateGroup(ctx, other.ID, "Theirs")
	must(t, err)
	s.otherGroup, s.otherContact = og.UUID, contact(other, "Theirs", "tel:+250788000299").UUID
	return s
}

func (s *scheduleSetup) schedule(t *testing.T, args ...string) scheduleJSON {
	t.Helper()
	out, errOut, code := flowsd(t, nil, append([]string{"schedule", "create", "--workspace", s.ws, "--db", s.dbURL}, args...)...)
	if code != 0 {
		t.Fatalf("schedule create %v: exit %d: %s", args, code, errOut)
	}
	var sc scheduleJSON
	must(t, json.Unmarshal([]byte(out), &sc))
	return sc
}

func (s *scheduleSetup) list(t *testing.T) []scheduleJSON {
	t.Helper()
	out, errOut, code := flowsd(t, nil, "schedule", "list", "--workspace", s.ws, "--db", s.dbURL)
	if code != 0 {
		t.Fatalf("schedule list: exit %d: %s", code, errOut)
	}
	var l []scheduleJSON
	must(t, json.Unmarshal([]byte(out), &l))
	return l
}

// TestScheduleCommands: schedules made, listed and deleted by the command line; a served flowsd fires those
// due, a broadcast reaching the gateway and a flow start starting its contacts.
func TestScheduleCommands(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := newScheduleSetup(t, dbURL)

		// a zone-less start is the workspace's local time: 09:00 in New York is 14:00 UTC in January
		weekly := s.schedule(t, "--flow", favoriteColorFlow, "--contacts", s.cat, "--repeat", "weekly", "--days", "fwm", "--start", "2030-01-07T09:00")
		if weekly.Repeat != "weekly" || weekly.Days == nil || *weekly.Days != "MWF" || weekly.NextFire == nil || *weekly.NextFire != "2030-01-07T14:00:00.000000Z" ||
			weekly.Flow == nil || weekly.Flow.Name != "Favorite Color" || weekly.Broadcast != nil || len(weekly.Contacts) != 1 || weekly.Contacts[0].UUID != s.cat {
			t.Fatalf("weekly schedule: %+v", weekly)
		}
		monthly := s.schedule(t, "--text", "Rent is due", "--groups", s.group, "--repeat", "monthly", "--start", "2030-01-31T12:00:00+02:00")
		if monthly.Days != nil || *monthly.NextFire != "2030-01-31T10:00:00.000000Z" || monthly.Broadcast == nil || monthly.Broadcast.Text["eng"] != "Rent is due" {
			t.Fatalf("monthly schedule: %+v", monthly)
		}

		// due now: a broadcast to the group and a flow start of a contact, once each
		past := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
		once := s.schedule(t, "--text", "Hello @contact.first_name", "--groups", s.group, "--contacts", s.cat, "--repeat", "once", "--start", past)
		if once.Repeat != "once" || len(once.Groups) != 1 || once.Groups[0].Name != "Farmers" {
			t.Fatalf("one-off schedule: %+v", once)
		}
		s.schedule(t, "--flow", favoriteColorFlow, "--contacts", s.ann, "--repeat", "once", "--start", past)
		if l := s.list(t); len(l) != 4 {
			t.Fatalf("listed %d schedules, want 4", len(l))
		}

		srv := startServer(t, s.env())
		defer srv.stop(t)
		waitFor(t, "the scheduled broadcast and start to reach the gateway", 30*time.Second, func() bool { return s.sink.count() >= 4 })
		for to, want := range map[string]string{"+250788000201": "Hello Ann", "+250788000202": "Hello Bob", "+250788000203": "Hello Cat"} {
			if got := s.sink.texts(to); len(got) == 0 || !contains(got, want) {
				t.Errorf("%s got %v, want %q", to, got, want)
			}
		}
		if got := s.sink.texts("+250788000201"); !contains(got, "What is your favorite color? Red, blue or green?") {
			t.Errorf("the scheduled start didn't start Ann: %v", got)
		}
		waitFor(t, "the one-off schedules to end", 10*time.Second, func() bool { return len(s.list(t)) == 2 })

		out, errOut, code := flowsd(t, nil, "schedule", "delete", "--workspace", s.ws, "--uuid", weekly.UUID, "--db", dbURL)
		if code != 0 || !strings.Contains(out, weekly.UUID) {
			t.Fatalf("delete: exit %d %s %s", code, out, errOut)
		}
		if l := s.list(t); len(l) != 1 || l[0].UUID != monthly.UUID {
			t.Fatalf("after delete: %+v", l)
		}
		if _, errOut, code := flowsd(t, nil, "schedule", "delete", "--workspace", s.ws, "--uuid", weekly.UUID, "--db", dbURL); code != 2 || !strings.Contains(errOut, "no schedule") {
			t.Fatalf("deleting again: exit %d %s", code, errOut)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestScheduleCommandErrors: every mistake is a usage error that writes nothing.
func TestScheduleCommandErrors(t *testing.T) {
	eachDB(t, func(t *testing.T, dbURL string) {
		s := newScheduleSetup(t, dbURL)
		start := "2030-01-07T09:00"
		cases := []struct {
			args []string
			want string
		}{
			{[]string{"--flow", favoriteColorFlow, "--repeat", "daily", "--start", start}, "Must provide at least one group or contact to include."},
			{[]string{"--text", "Hi", "--repeat", "daily", "--start", start}, "--groups or --contacts"},
			{[]string{"--flow", favoriteColorFlow, "--text", "Hi", "--contacts", s.ann, "--repeat", "daily", "--start", start}, "not both"},
			{[]string{"--contacts", s.ann, "--repeat", "daily", "--start", start}, "give --flow"},
			{[]string{"--text", "Hi", "--contacts", s.ann, "--repeat", "weekly", "--start", start}, "--days"},
			{[]string{"--text", "Hi", "--contacts", s.ann, "--repeat", "weekly", "--days", "MX", "--start", start}, "not a day of the week"},
			{[]string{"--text", "Hi", "--contacts", s.ann, "--repeat", "daily", "--days", "M", "--start", start}, "only for --repeat weekly"},
			{[]string{"--text", "Hi", "--contacts", s.ann, "--repeat", "hourly", "--start", start}, "--repeat must be one of"},
			{[]string{"--text", "Hi", "--contacts", s.ann, "--start", start}, "--repeat must be one of"},
			{[]string{"--text", "Hi", "--contacts", s.ann, "--repeat", "daily"}, "--start is required"},
			{[]string{"--text", "Hi", "--contacts", s.ann, "--repeat", "daily", "--start", "next tuesday"}, "not an ISO 8601"},
			{[]string{"--text", "Hi", "--contacts", s.ann, "--repeat", "daily", "--start", "2030-02-30T09:00"}, "not an ISO 8601"},
			{[]string{"--flow", "6a1f2c5e-0000-4000-8000-000000000000", "--contacts", s.ann, "--repeat", "daily", "--start", start}, "no flow"},
			{[]string{"--text", "Hi", "--contacts", s.otherContact, "--repeat", "daily", "--start", start}, "no contact"},
			{[]string{"--text", "Hi", "--groups", s.otherGroup, "--repeat", "daily", "--start", start}, "no group"},
			{[]string{"--flow", favoriteColorFlow, "--groups", s.group + "," + s.otherGroup, "--repeat", "daily", "--start", start}, "no group"},
		}
		for _, c := range cases {
			_, errOut, code := flowsd(t, nil, append([]string{"schedule", "create", "--workspace", s.ws, "--db", dbURL}, c.args...)...)
			if code != 2 || !strings.Contains(errOut, c.want) {
				t.Errorf("%v: exit %d, %q, want 2 and %q", c.args, code, errOut, c.want)
			}
		}
		for _, args := range [][]string{{"schedule"}, {"schedule", "pause"}, {"schedule", "list"}, {"schedule", "delete", "--workspace", s.ws}} {
			if _, errOut, code := flowsd(t, nil, append(args, "--db", dbURL)...); code != 2 || errOut == "" {
				t.Errorf("%v: exit %d, %q", args, code, errOut)
			}
		}
		var n int64
		must(t, testdb.Raw(t, dbURL).Table("schedules").Count(&n).Error)
		if n != 0 {
			t.Fatalf("%d schedules written by bad commands", n)
		}
	})
}
