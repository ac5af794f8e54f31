package api

import (
	"testing"
	"time"
)

func TestParseISO8601(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, us int) time.Time {
		return time.Date(y, mo, d, h, mi, s, us*1000, time.UTC)
	}
	good := map[string]time.Time{
		"2017-05-15":                       utc(2017, 5, 15, 0, 0, 0, 0),
		"2017":                             utc(2017, 1, 1, 0, 0, 0, 0),
		"2017-05":                          utc(2017, 5, 1, 0, 0, 0, 0),
		"20170515":                         utc(2017, 5, 15, 0, 0, 0, 0),
		"2017-05-15T10:30":                 utc(2017, 5, 15, 10, 30, 0, 0),
		"2017-05-15T10:30:05":              utc(2017, 5, 15, 10, 30, 5, 0),
		"2017-05-15 10:30:05":              utc(2017, 5, 15, 10, 30, 5, 0),
		"2017-05-15T10:30:05.5Z":           utc(2017, 5, 15, 10, 30, 5, 500000),
		"2017-05-15T10:30:05.123456789Z":   utc(2017, 5, 15, 10, 30, 5, 123456),
		"2016-10-13T11:54:32.525277Z":      utc(2016, 10, 13, 11, 54, 32, 525277),
		"2017-05-15T10:30:05,25Z":          utc(2017, 5, 15, 10, 30, 5, 250000),
		"2017-05-15T12:30:05+02:00":        utc(2017, 5, 15, 10, 30, 5, 0),
		"2017-05-15T05:30:05-0500":         utc(2017, 5, 15, 10, 30, 5, 0),
		"2017-05-15T12:30:05+02":           utc(2017, 5, 15, 10, 30, 5, 0),
		"2017-05-15T10:30:05.000001+00:00": utc(2017, 5, 15, 10, 30, 5, 1),
	}
	for in, want := range good {
		got, err := parseISO8601(in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseISO8601(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "longago", "2017-13-01", "2017-02-30", "2017-05-15T25:00", "2017-05-15T10:30:05 02:00", "15/05/2017", "2017-05-15Tnoon"} {
		if got, err := parseISO8601(bad); err == nil {
			t.Errorf("parseISO8601(%q) = %v, want an error", bad, got)
		}
	}
}

func TestTimeRange(t *testing.T) {
	r := timeRange(query{"before": {"2017-05-15"}, "after": {"2017-05-01T00:00:00Z"}})
	if r.Empty || r.Before == nil || r.After == nil || !r.After.Before(*r.Before) {
		t.Fatalf("range %+v", r)
	}
	if r := timeRange(query{"after": {"soon"}}); !r.Empty {
		t.Fatal("an unparseable bound must empty the listing")
	}
	if r := timeRange(query{}); r.Empty || r.Before != nil || r.After != nil {
		t.Fatalf("no bounds: %+v", r)
	}
}

func TestQueryBool(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "TRUE": true, "1": true, "y": true, "Yes": true, "false": false, "0": false, "no": false, "t": false, "": false, "on": false} {
		if got := queryBool(query{"x": {in}}, "x"); got != want {
			t.Errorf("queryBool(%q) = %v", in, got)
		}
	}
}
