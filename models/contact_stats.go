package models

import (
	"context"
	"strings"
)

// What Weni's analytics/contacts and contacts_elastic read from a contacts listing.

// ContactStatusCounts are how many contacts a listing holds, in all and by status.
type ContactStatusCounts struct {
	Total, Active, Blocked, Stopped, Archived int64
}

// ContactDayCount is how many contacts of a listing were made on a day (UTC).
type ContactDayCount struct {
	Day   string // YYYY-MM-DD
	Count int64
}

// CountByStatus counts the listing's contacts by status.
func (q *ContactQuery) CountByStatus(ctx context.Context) (*ContactStatusCounts, error) {
	out := &ContactStatusCounts{}
	sel := "COUNT(*) AS total"
	for _, st := range []ContactStatus{ContactActive, ContactBlocked, ContactStopped, ContactArchived} {
		sel += ", COALESCE(SUM(CASE WHEN c.status = '" + string(st) + "' THEN 1 ELSE 0 END), 0) AS " + string(st)
	}
	l := q.l
	l.sel = sel
	return out, l.query(q.s.read(ctx)).Scan(out).Error
}

// CountByCreationDay counts the listing's contacts by the day they were made, days ascending.
func (q *ContactQuery) CountByCreationDay(ctx context.Context) ([]ContactDayCount, error) {
	l := q.l
	l.sel = q.s.dayOf("c.created_on") + " AS day, COUNT(*) AS count"
	var rows []ContactDayCount
	return rows, l.query(q.s.read(ctx)).Group("day").Order("day").Scan(&rows).Error
}

// CreatedIn keeps the contacts made within a range.
func (q *ContactQuery) CreatedIn(r TimeRange) *ContactQuery {
	q.l.within("c.created_on", r)
	return q
}

// WithURNPathContaining keeps the contacts with a URN whose path contains text.
func (q *ContactQuery) WithURNPathContaining(text string) *ContactQuery {
	q.l.and(`EXISTS (SELECT 1 FROM contact_urns u WHERE u.contact_id = c.id AND u.path LIKE ? ESCAPE '\')`, "%"+EscapeLike(strings.TrimSpace(text))+"%")
	return q
}

// ContactMatches are a window of a contacts listing and how many contacts the whole listing holds.
type ContactMatches struct {
	Contacts []Contact
	Total    int64
}

// Window reads up to limit of the listing's contacts after skipping offset, newest change first, and
// counts them all.
func (q *ContactQuery) Window(ctx context.Context, limit, offset int) (*ContactMatches, error) {
	m := &ContactMatches{}
	var err error
	if m.Total, err = q.Count(ctx); err != nil {
		return nil, err
	}
	m.Contacts, err = q.Slice(ctx, limit, offset)
	return m, err
}
