package schedules

import (
	"testing"
	"time"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	tz, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return tz
}

func at(t *testing.T, tz *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04:05.999999", s, tz)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCampaignFire(t *testing.T) {
	utc := time.UTC
	ny := zone(t, "America/New_York")
	kigali := zone(t, "Africa/Kigali")
	now := at(t, utc, "2026-01-01 00:00:00")
	cases := []struct {
		name         string
		anchor       time.Time
		offset       int
		unit         Unit
		deliveryHour int
		tz           *time.Location
		now          time.Time
		want         string // in tz, "" for no fire
	}{
		{"seconds round up to the minute", at(t, utc, "2026-01-10 09:15:30"), 2, Days, NoDeliveryHour, utc, now, "2026-01-12 09:16:00"},
		{"a whole minute stays", at(t, utc, "2026-01-10 09:15:00"), 2, Days, NoDeliveryHour, utc, now, "2026-01-12 09:15:00"},
		{"sub-seconds round up", at(t, utc, "2026-01-10 09:15:00.000001"), 0, Minutes, NoDeliveryHour, utc, now, "2026-01-10 09:16:00"},
		{"minutes", at(t, utc, "2026-01-10 09:15:00"), 90, Minutes, NoDeliveryHour, utc, now, "2026-01-10 10:45:00"},
		{"negative days", at(t, utc, "2026-01-10 09:15:00"), -3, Days, NoDeliveryHour, utc, now, "2026-01-07 09:15:00"},
		{"weeks", at(t, utc, "2026-01-10 09:15:00"), 2, Weeks, NoDeliveryHour, utc, now, "2026-01-24 09:15:00"},
		{"delivery hour drops the minutes", at(t, utc, "2026-01-10 09:15:00"), 1, Days, 7, utc, now, "2026-01-11 07:00:00"},
		{"delivery hour applies to hours too", at(t, utc, "2026-01-10 22:15:00"), 3, Hours, 9, utc, now, "2026-01-11 09:00:00"},
		{"in the workspace's zone", at(t, utc, "2026-01-10 23:30:00"), 0, Days, 9, kigali, now, "2026-01-11 09:00:00"},
		{"hours are absolute across DST", at(t, ny, "2026-03-07 12:00:00"), 24, Hours, NoDeliveryHour, ny, now, "2026-03-08 13:00:00"},
		{"days keep the wall clock across DST", at(t, ny, "2026-03-07 12:00:00"), 1, Days, NoDeliveryHour, ny, now, "2026-03-08 12:00:00"},
		{"the past never fires", at(t, utc, "2025-12-01 09:00:00"), 1, Days, NoDeliveryHour, utc, now, ""},
		{"now fires", at(t, utc, "2025-12-31 00:00:00"), 1, Days, NoDeliveryHour, utc, now, "2026-01-01 00:00:00"},
	}
	for _, c := range cases {
		got, ok := CampaignFire(c.anchor, c.offset, c.unit, c.deliveryHour, c.tz, c.now)
		switch {
		case c.want == "" && ok:
			t.Errorf("%s: fires at %s, want none", c.name, got)
		case c.want != "" && !ok:
			t.Errorf("%s: no fire, want %s", c.name, c.want)
		case c.want != "" && !got.Equal(at(t, c.tz, c.want)):
			t.Errorf("%s: %s, want %s", c.name, got.In(c.tz), c.want)
		}
	}
}

func TestScheduleNext(t *testing.T) {
	utc := time.UTC
	ny := zone(t, "America/New_York")
	nine := func(p Period) Schedule { return Schedule{Period: p, Hour: 9} }
	cases := []struct {
		name      string
		s         Schedule
		tz        *time.Location
		last, now string
		want      string // in tz, "" for none
	}{
		{"daily, later today", nine(Daily), utc, "", "2026-01-10 08:00:00", "2026-01-10 09:00:00"},
		{"daily, just fired", nine(Daily), utc, "2026-01-10 09:00:00", "2026-01-10 09:00:01", "2026-01-11 09:00:00"},
		{"daily, missed days collapse", nine(Daily), utc, "2026-01-02 09:00:00", "2026-01-10 12:00:00", "2026-01-11 09:00:00"},
		{"daily within the drift guard", nine(Daily), utc, "", "2026-01-10 08:59:30", "2026-01-10 09:00:00"},
		{"weekly on Monday and Friday, from a Saturday", Schedule{Period: Weekly, Hour: 9, DaysOfWeek: "MF"}, utc, "", "2026-01-10 10:00:00", "2026-01-12 09:00:00"},
		{"weekly, from the Monday's fire", Schedule{Period: Weekly, Hour: 9, DaysOfWeek: "MF"}, utc, "2026-01-12 09:00:00", "2026-01-12 09:00:00", "2026-01-16 09:00:00"},
		{"monthly on the 31st in February", Schedule{Period: Monthly, Hour: 9, DayOfMonth: 31}, utc, "2026-01-31 09:00:00", "2026-01-31 09:00:00", "2026-02-28 09:00:00"},
		{"monthly on the 31st again in March", Schedule{Period: Monthly, Hour: 9, DayOfMonth: 31}, utc, "2026-02-28 09:00:00", "2026-02-28 09:00:00", "2026-03-31 09:00:00"},
		{"yearly from 29 February", nine(Yearly), utc, "2028-02-29 09:00:00", "2028-02-29 09:00:00", "2029-03-01 09:00:00"},
		{"yearly stays on 1 March", nine(Yearly), utc, "2029-03-01 09:00:00", "2029-03-01 09:00:00", "2030-03-01 09:00:00"},
		{"daily keeps local time across DST", nine(Daily), ny, "2026-03-07 09:00:00", "2026-03-07 09:00:00", "2026-03-08 09:00:00"},
		{"once is done", Schedule{Period: Once}, utc, "2026-01-10 09:00:00", "2026-01-10 09:00:00", ""},
		{"weekly with no days never fires", Schedule{Period: Weekly, Hour: 9}, utc, "", "2026-01-10 09:00:00", ""},
	}
	for _, c := range cases {
		var last time.Time
		if c.last != "" {
			last = at(t, c.tz, c.last)
		}
		now := at(t, c.tz, c.now)
		got, ok := c.s.Next(c.tz, last, now)
		switch {
		case c.want == "" && ok:
			t.Errorf("%s: next %s, want none", c.name, got)
		case c.want != "" && !ok:
			t.Errorf("%s: none, want %s", c.name, c.want)
		case c.want != "" && !got.Equal(at(t, c.tz, c.want)):
			t.Errorf("%s: %s, want %s", c.name, got.In(c.tz), c.want)
		case ok && !got.After(now):
			t.Errorf("%s: %s is not after now", c.name, got)
		}
	}
	// a local time in the spring-forward gap comes out an hour earlier, as Go (and so mailroom) places it
	gap, _ := Schedule{Period: Daily, Hour: 2, Minute: 30}.Next(ny, time.Time{}, at(t, ny, "2026-03-07 03:00:00"))
	if want := time.Date(2026, 3, 8, 6, 30, 0, 0, time.UTC); !gap.Equal(want) {
		t.Errorf("02:30 on the day of the change is %s, want 01:30 EST", gap.In(ny))
	}
	// 9:00 New York is 14:00 UTC before the change and 13:00 after
	got, _ := nine(Daily).Next(ny, time.Time{}, at(t, ny, "2026-03-07 10:00:00"))
	if got.UTC().Hour() != 13 {
		t.Errorf("after the DST change 09:00 is %s UTC", got.UTC())
	}
}

func TestScheduleFirst(t *testing.T) {
	utc := time.UTC
	now := at(t, utc, "2026-01-10 10:00:00") // a Saturday
	weekly := Schedule{Period: Weekly, Hour: 9, DaysOfWeek: "M"}
	if got := weekly.First(utc, at(t, utc, "2026-01-11 09:00:00"), now); !got.Equal(at(t, utc, "2026-01-11 09:00:00")) {
		t.Errorf("a future start not on the days is kept as RapidPro keeps it: %s", got)
	}
	if got := weekly.First(utc, at(t, utc, "2026-01-01 09:00:00"), now); !got.Equal(at(t, utc, "2026-01-12 09:00:00")) {
		t.Errorf("a past start gives the next occurrence: %s", got)
	}
	once := Schedule{Period: Once}
	if got := once.First(utc, at(t, utc, "2026-01-01 09:00:00"), now); !got.Equal(at(t, utc, "2026-01-01 09:00:00")) {
		t.Errorf("a one-off fires at its start: %s", got)
	}
}

func TestParseDays(t *testing.T) {
	if got, err := ParseDays(" fm "); err != nil || got != "MF" {
		t.Errorf("fm: %q %v", got, err)
	}
	if got, err := ParseDays("UMTWRFS"); err != nil || got != "MTWRFSU" {
		t.Errorf("all: %q %v", got, err)
	}
	for _, bad := range []string{"", "X", "MX"} {
		if _, err := ParseDays(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
