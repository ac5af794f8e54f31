package models

import (
	"strings"
	"time"

	"gorm.io/gorm"
)

// Position is a row's place in a listing: the value of its ordering column and its id, the tie-breaker.
type Position struct {
	Time time.Time
	ID   int64
}

// Keyset selects one page of a listing ordered by a time column then id, both descending unless Ascending.
// With After set, the page starts just past that position; with Backward also set, it is the page that ends
// just before it (rows come back in reverse and the caller flips them).
type Keyset struct {
	Column    string // qualified time column, e.g. "labels.created_on"
	IDColumn  string // qualified id column, e.g. "labels.id"
	Ascending bool
	After     *Position
	Backward  bool
	Limit     int
}

// Apply adds the keyset's condition, ordering and limit to q.
func (k Keyset) Apply(q *gorm.DB) *gorm.DB {
	asc := k.Ascending != k.Backward
	cmp, dir := "<", "DESC"
	if asc {
		cmp, dir = ">", "ASC"
	}
	if k.After != nil {
		// a row value comparison, which both databases can answer from an index on (column, id)
		q = q.Where("("+k.Column+", "+k.IDColumn+") "+cmp+" (?, ?)", k.After.Time.UTC(), k.After.ID)
	}
	return q.Order(k.Column + " " + dir).Order(k.IDColumn + " " + dir).Limit(k.Limit)
}

// TimeRange narrows a listing to rows whose column is within an inclusive range. Unparseable bounds are
// represented by Empty: the listing has no rows.
type TimeRange struct {
	Before, After *time.Time
	Empty         bool
}

// Apply adds the range's conditions on column to q.
func (r TimeRange) Apply(q *gorm.DB, column string) *gorm.DB {
	if r.Empty {
		return q.Where("1 = 0")
	}
	if r.Before != nil {
		q = q.Where(column+" <= ?", r.Before.UTC())
	}
	if r.After != nil {
		q = q.Where(column+" >= ?", r.After.UTC())
	}
	return q
}

// EscapeLike makes a value literal inside a LIKE pattern written with ESCAPE '\'.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
