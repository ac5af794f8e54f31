package api

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/google/uuid"
)

// query is a request's query string as Django's QueryDict holds it: a parameter given more than once reads
// as its last value (Get), as RapidPro's views read it; the lists filters that take many values index it.
type query url.Values

// Get is a parameter's last value, "" when absent.
func (q query) Get(name string) string {
	if vs := q[name]; len(vs) > 0 {
		return vs[len(vs)-1]
	}
	return ""
}

// Has reports whether the parameter was given, even empty.
func (q query) Has(name string) bool {
	_, ok := q[name]
	return ok
}

// cleanQuery reads the query string as Django does, invalid UTF-8 replaced by U+FFFD. A null character,
// which no stored value can hold and PostgreSQL refuses to compare, is refused with a 400.
func cleanQuery(raw url.Values) (query, error) {
	q := make(query, len(raw))
	for k, vs := range raw {
		clean := make([]string, len(vs))
		for i, v := range vs {
			if strings.ContainsRune(v, 0) || strings.ContainsRune(k, 0) {
				return nil, errQuery(fmt.Sprintf("Param '%s' can't contain null characters.", strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "\uFFFD")))
			}
			clean[i] = strings.ToValidUTF8(v, "\uFFFD")
		}
		q[strings.ToValidUTF8(k, "\uFFFD")] = clean
	}
	return q, nil
}

// queryBool reads a query-string boolean as RapidPro's str_to_bool does: true, y, yes or 1 (any case) are
// true; anything else is false, never an error.
func queryBool(q query, name string) bool {
	switch strings.ToLower(q.Get(name)) {
	case "true", "y", "yes", "1":
		return true
	}
	return false
}

// normalizeUUID checks a UUID in any of the forms Python's UUID() accepts and gives its canonical form.
func normalizeUUID(s string) (string, bool) {
	u, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// uuidParams reads a repeatable UUID filter: at most 100 values, each a valid UUID.
func uuidParams(q query, name string) ([]string, error) {
	vals := q[name]
	if len(vals) > 100 {
		return nil, errQuery(fmt.Sprintf("Param '%s' can have a maximum of 100 values.", name))
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		u, ok := normalizeUUID(v)
		if !ok {
			return nil, errQuery(fmt.Sprintf("Param '%s': %s is not a valid UUID.", name, v))
		}
		out[i] = u
	}
	return out, nil
}

// uuidParam reads a single UUID filter (the last value, after checking them all); "" when absent.
func uuidParam(q query, name string) (string, error) {
	vals, err := uuidParams(q, name)
	if err != nil || len(vals) == 0 {
		return "", err
	}
	return vals[len(vals)-1], nil
}

// exclusiveParams fails when more than one of names has a non-empty value.
func exclusiveParams(q query, names ...string) error {
	n := 0
	for _, name := range names {
		if q.Get(name) != "" {
			n++
		}
	}
	if n > 1 {
		return errQuery("You may only specify one of the " + strings.Join(names, ", ") + " parameters")
	}
	return nil
}

// lookup reads the parameter that names the object a POST updates or a DELETE removes: at most one of
// names may be given, and a uuid must be valid. name is "" when none was given.
func lookup(q query, names ...string) (name, value string, err error) {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	found := 0
	for _, n := range names {
		if _, ok := q[n]; !ok {
			continue
		}
		found++
		name, value = n, q.Get(n)
		if n == "uuid" {
			u, ok := normalizeUUID(value)
			if !ok {
				return "", "", errQuery(fmt.Sprintf("Param 'uuid': %s is not a valid UUID.", value))
			}
			value = u
		}
	}
	if found > 1 {
		return "", "", errQuery("URL can only contain one of the following parameters: " + strings.Join(sorted, ", "))
	}
	return name, value, nil
}

// requireLookup is lookup for DELETE, where one parameter must be given.
func requireLookup(q query, names ...string) (name, value string, err error) {
	name, value, err = lookup(q, names...)
	if err == nil && name == "" {
		sorted := append([]string(nil), names...)
		sort.Strings(sorted)
		err = errQuery("URL must contain one of the following parameters: " + strings.Join(sorted, ", "))
	}
	return
}

// timeRange reads the inclusive before/after filters. An unparseable value is not an error: the listing is
// empty, as in RapidPro.
func timeRange(q query) models.TimeRange {
	var r models.TimeRange
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"before", &r.Before}, {"after", &r.After}} {
		s := q.Get(p.name)
		if s == "" {
			continue
		}
		t, err := parseISO8601(s)
		if err != nil {
			r.Empty = true
			continue
		}
		*p.dst = &t
	}
	return r
}

// iso8601 is the grammar of Python's iso8601.parse_date: a date, optionally a time with any fraction, and
// optionally a zone (none means UTC).
var iso8601 = regexp.MustCompile(`^(\d{4})(?:-?(\d{1,2})(?:-?(\d{1,2})(?:[ T](\d{2})(?::?(\d{2})(?::?(\d{1,2})(?:[.,](\d+))?)?)?(Z|([-+])(\d{2}):?(\d{2})?)?)?)?)?$`)

// parseISO8601 parses before/after values.
func parseISO8601(s string) (time.Time, error) {
	m := iso8601.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, fmt.Errorf("unable to parse date string %q", s)
	}
	num := func(i, def int) int {
		if m[i] == "" {
			return def
		}
		n, _ := strconv.Atoi(m[i])
		return n
	}
	year, month, day := num(1, 0), num(2, 1), num(3, 1)
	hour, minute, second := num(4, 0), num(5, 0), num(6, 0)
	nanos := 0
	if frac := m[7]; frac != "" {
		frac = (frac + "000000000")[:9]
		nanos, _ = strconv.Atoi(frac)
		nanos = nanos / 1000 * 1000 // microseconds, like Python's datetime
	}
	loc := time.UTC
	if m[9] != "" {
		offset := num(10, 0)*3600 + num(11, 0)*60
		if m[9] == "-" {
			offset = -offset
		}
		loc = time.FixedZone("", offset)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, nanos, loc)
	// time.Date normalizes out-of-range parts; Python refuses them
	if t.Year() != year || int(t.Month()) != month || t.Day() != day || t.Hour() != hour || t.Minute() != minute || t.Second() != second {
		return time.Time{}, fmt.Errorf("date %q is out of range", s)
	}
	return t.UTC(), nil
}

// pythonInt is what Python's int() reads: optional sign, digits, single underscores between digits.
var pythonInt = regexp.MustCompile(`^[+-]?[0-9]+(_[0-9]+)*$`)

// intParam reads an integer filter as RapidPro's get_int_param does: the last value given, 0 when absent, a
// 400 when it isn't an integer. One too big for any id gives -1, which matches nothing.
func intParam(q query, name string) (int64, error) {
	vals := q[name]
	if len(vals) == 0 {
		return 0, nil
	}
	return parseIntParam(name, vals[len(vals)-1])
}

// parseIntParam reads one integer parameter's value as intParam does.
func parseIntParam(name, value string) (int64, error) {
	s := strings.TrimSpace(value)
	if !pythonInt.MatchString(s) {
		return 0, errQuery(fmt.Sprintf("Value for %s must be an integer", name))
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	if err != nil {
		return -1, nil
	}
	return n, nil
}

// requireIDLookup reads the ?id= that names the object a DELETE removes: required as any DELETE lookup is,
// and an integer as any id parameter is. The value is read as other lookups read theirs (the last given).
func requireIDLookup(q query) (int64, error) {
	_, value, err := requireLookup(q, "id")
	if err != nil {
		return 0, err
	}
	return parseIntParam("id", value)
}

// The filters many listings share, each a models builder method of the same name.
type (
	uuidFilter[Q any] interface{ WithUUID(string) Q }
	idFilter[Q any]   interface{ WithID(int64) Q }
	nameFilter[Q any] interface{ Named(string) Q }
)

// filterUUID narrows a listing to ?uuid=, refusing one that isn't a UUID.
func filterUUID[Q uuidFilter[Q]](c *Ctx, q Q) (Q, error) {
	uuid, err := uuidParam(c.query, "uuid")
	if err != nil || uuid == "" {
		return q, err
	}
	return q.WithUUID(uuid), nil
}

// filterUUIDAndID narrows a listing to ?uuid= and the deprecated ?id=.
func filterUUIDAndID[Q interface {
	uuidFilter[Q]
	idFilter[Q]
}](c *Ctx, q Q) (Q, error) {
	q, err := filterUUID(c, q)
	if err != nil {
		return q, err
	}
	id, err := intParam(c.query, "id")
	if err != nil || id == 0 {
		return q, err
	}
	return q.WithID(id), nil
}

// filterUUIDOrName narrows a listing to ?uuid= or ?name= (ignoring case), which may not both be given.
func filterUUIDOrName[Q interface {
	uuidFilter[Q]
	nameFilter[Q]
}](c *Ctx, q Q) (Q, error) {
	if err := exclusiveParams(c.query, "uuid", "name"); err != nil {
		return q, err
	}
	q, err := filterUUID(c, q)
	if err != nil {
		return q, err
	}
	if name := c.query.Get("name"); name != "" {
		q = q.Named(name)
	}
	return q, nil
}
