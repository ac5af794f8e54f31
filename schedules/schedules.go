// Package schedules computes when things fire, as RapidPro's mailroom computes it: a campaign event's fire
// for a contact (an anchor date moved by an offset, maybe to a delivery hour) and a schedule's next occurrence
// (once, daily, weekly on some days, monthly, yearly), all in a workspace's time zone. It is pure: times in,
// times out, no clock of its own.
package schedules

import (
	"fmt"
	"strings"
	"time"
)

// Unit is the unit of a campaign event's offset.
type Unit string

const (
	Minutes Unit = "minutes"
	Hours   Unit = "hours"
	Days    Unit = "days"
	Weeks   Unit = "weeks"
)

// NoDeliveryHour keeps the fire at the anchor's time of day.
const NoDeliveryHour = -1

// CampaignFire is when a campaign event fires for a contact whose anchor (a datetime field's value, created_on
// or last_seen_on) is anchor: in tz, the anchor rounded up to the whole minute, then moved by offset units
// (minutes and hours as absolute durations, days and weeks on the local calendar so that the wall-clock time
// is kept across a DST change), then, when deliveryHour is 0–23, set to that hour on the day reached (minutes
// dropped). ok is false when the time is before now: fires are never made for the past (one at now is kept).
func CampaignFire(anchor time.Time, offset int, unit Unit, deliveryHour int, tz *time.Location, now time.Time) (at time.Time, ok bool) {
	t := anchor.In(tz)
	if t.Second() != 0 || t.Nanosecond() != 0 {
		t = t.Truncate(time.Minute).Add(time.Minute)
	}
	switch unit {
	case Minutes:
		t = t.Add(time.Duration(offset) * time.Minute)
	case Hours:
		t = t.Add(time.Duration(offset) * time.Hour)
	case Days:
		t = t.AddDate(0, 0, offset)
	case Weeks:
		t = t.AddDate(0, 0, 7*offset)
	}
	if deliveryHour >= 0 && deliveryHour <= 23 {
		t = time.Date(t.Year(), t.Month(), t.Day(), deliveryHour, 0, 0, 0, tz)
	}
	if t.Before(now) {
		return time.Time{}, false
	}
	return t, true
}

// Period is how often a schedule repeats.
type Period string

const (
	Once    Period = "O"
	Daily   Period = "D"
	Weekly  Period = "W"
	Monthly Period = "M"
	Yearly  Period = "Y"
)

// Schedule is when something repeats, in a workspace's local time.
type Schedule struct {
	Period     Period
	Hour       int    // local hour of day (repeating schedules)
	Minute     int    // local minute of hour (repeating schedules)
	DaysOfWeek string // for Weekly: letters of MTWRFSU (Monday … Sunday)
	DayOfMonth int    // for Monthly: 1–31, clamped to each month's length
}

// weekdayLetters are RapidPro's letters for the days of the week, Sunday first as time.Weekday counts.
const weekdayLetters = "UMTWRFS"

// ParseDays checks a list of weekday letters (MTWRFSU) and gives it back in RapidPro's order, each once.
func ParseDays(days string) (string, error) {
	days = strings.ToUpper(strings.TrimSpace(days))
	if days == "" {
		return "", fmt.Errorf("a weekly schedule needs days of the week (letters of MTWRFSU)")
	}
	var out strings.Builder
	for _, l := range "MTWRFSU" {
		if strings.ContainsRune(days, l) {
			out.WriteRune(l)
		}
	}
	for _, l := range days {
		if !strings.ContainsRune("MTWRFSU", l) {
			return "", fmt.Errorf("%q is not a day of the week: use M T W R F S U (Monday to Sunday)", string(l))
		}
	}
	return out.String(), nil
}

// onDay says whether a weekly schedule fires on a day of the week.
func (s Schedule) onDay(d time.Weekday) bool {
	return strings.IndexByte(s.DaysOfWeek, weekdayLetters[d]) >= 0
}

// Next is a schedule's next fire after now, as mailroom computes it after each fire: from now and a minute (a
// guard against clock drift), at the schedule's local hour and minute in tz, moved on day by day (daily; weekly
// to one of its days), month by month with the day clamped to the month's length (monthly: the 31st fires on
// the 28th in February and the 31st again in March) or year by year from the last fire's date (yearly: a
// 29 February fires on 1 March the next year, and from then on). Occurrences missed while nothing ran collapse
// into this one. ok is false for a one-off schedule, which fires once and is done.
func (s Schedule) Next(tz *time.Location, last, now time.Time) (next time.Time, ok bool) {
	if s.Period == Once {
		return time.Time{}, false
	}
	from := now.Add(time.Minute).In(tz)
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, s.Hour, s.Minute, 0, 0, tz) }
	switch s.Period {
	case Daily, Weekly:
		if s.Period == Weekly && s.DaysOfWeek == "" {
			return time.Time{}, false
		}
		t := at(from.Year(), from.Month(), from.Day())
		for !t.After(now) || (s.Period == Weekly && !s.onDay(t.Weekday())) {
			t = at(t.Year(), t.Month(), t.Day()+1)
		}
		return t, true
	case Monthly:
		y, m := from.Year(), from.Month()
		for {
			t := at(y, m, min(s.DayOfMonth, daysIn(y, m)))
			if t.After(now) {
				return t, true
			}
			m++
			if m > time.December {
				y, m = y+1, time.January
			}
		}
	case Yearly:
		base := last.In(tz)
		if last.IsZero() {
			base = from
		}
		t := at(base.Year(), base.Month(), base.Day())
		for !t.After(now) {
			t = t.AddDate(1, 0, 0)
		}
		return t, true
	}
	return time.Time{}, false
}

// First is when a new schedule first fires, starting at start: a one-off schedule at start; a repeating one at
// start if it is still to come (even when a weekly start isn't on one of its days, as RapidPro does), else at
// its next occurrence after now.
func (s Schedule) First(tz *time.Location, start, now time.Time) time.Time {
	if s.Period == Once || start.After(now) {
		return start
	}
	next, _ := s.Next(tz, start, now)
	return next
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }
