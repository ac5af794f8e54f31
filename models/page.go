package models

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Position is a row's place in a listing: the value of its ordering column and its id, the tie-breaker. Key
// holds the value for the few listings ordered by a text column (boundaries by OSM id).
type Position struct {
	Time time.Time
	ID   int64
	Key  string
}

// PageSpec says which page of a listing to read. Listings are ordered by a time column then id, newest first
// unless Ascending. With After set, the page starts just past that position; with Backward also set, it is
// the page that ends just before it.
type PageSpec struct {
	Ascending bool
	After     *Position
	Backward  bool
	Size      int
}

// Page is one page of a listing, in the listing's order. More says whether rows follow it in the direction
// it was read (past its end, or before its start when read Backward).
type Page[T any] struct {
	Rows        []T
	More        bool
	First, Last Position // of the first and last rows; zero when there are none
}

// TimeRange narrows a listing to rows whose column is within an inclusive range. Unparseable bounds are
// represented by Empty: the listing has no rows.
type TimeRange struct {
	Before, After *time.Time
	Empty         bool
}

// listing is what every listing's query builder shares: where its rows come from, the conditions so far,
// and the columns it is ordered by. Builders are scoped to a workspace when they are made.
type listing struct {
	from     string // FROM, with an alias when the query joins: "contacts AS c"
	sel      string // SELECT list; "" is every column of from
	joins    []string
	where    []string
	args     []any
	column   string // qualified time column, e.g. "c.modified_on"
	idColumn string
	textKey  bool // column is text, compared with Position.Key
}

func newListing(from, column, idColumn string) listing {
	return listing{from: from, column: column, idColumn: idColumn}
}

// and adds a condition; a builder method that adds one returns the builder, so they chain.
func (l *listing) and(cond string, args ...any) {
	l.where = append(l.where, "("+cond+")")
	l.args = append(l.args, args...)
}

// nothing makes the listing empty (a filter naming something that doesn't exist).
func (l *listing) nothing() { l.and("1 = 0") }

// within adds a range's conditions on column.
func (l *listing) within(column string, r TimeRange) {
	if r.Empty {
		l.nothing()
	}
	if r.Before != nil {
		l.and(column+" <= ?", r.Before.UTC())
	}
	if r.After != nil {
		l.and(column+" >= ?", r.After.UTC())
	}
}

func (l *listing) query(db *gorm.DB) *gorm.DB {
	q := db.Table(l.from)
	if l.sel != "" {
		q = q.Select(l.sel)
	}
	for _, j := range l.joins {
		q = q.Joins(j)
	}
	if len(l.where) > 0 {
		q = q.Where(strings.Join(l.where, " AND "), l.args...)
	}
	return q
}

// query is what every listing's builder is made of: the listing, and where a row stands in its order. A
// builder embeds it and adds its filters.
type query[T any] struct {
	s   *Store
	l   listing
	pos func(*T) Position
}

func newQuery[T any](s *Store, from, column, idColumn string, pos func(*T) Position) query[T] {
	return query[T]{s: s, l: newListing(from, column, idColumn), pos: pos}
}

// activeIn starts a listing of a workspace's active rows of a table, ordered by one of its time columns.
func activeIn[T any](s *Store, workspaceID int64, table, column string, pos func(*T) Position) query[T] {
	q := newQuery(s, table, column, "id", pos)
	q.l.and("workspace_id = ? AND is_active", workspaceID)
	return q
}

// Page reads one page of the listing.
func (q *query[T]) Page(ctx context.Context, spec PageSpec) (*Page[T], error) {
	return readPage(ctx, q.s.db, q.l, spec, q.pos)
}

// All reads every row of the listing, in no order: its callers look rows up by key (the engine's assets, a
// query's scope), and leaving the sort to them costs nothing on every request.
func (q *query[T]) All(ctx context.Context) ([]T, error) { return readAll[T](ctx, q.s.db, q.l) }

// First reads the listing's oldest row, nil when it has none.
func (q *query[T]) First(ctx context.Context) (*T, error) {
	return first(readPage(ctx, q.s.db, q.l, PageSpec{Ascending: true, Size: 1}, q.pos))
}

// readPage reads one page of a listing; pos gives a row's position in the listing's order.
func readPage[T any](ctx context.Context, db *gorm.DB, l listing, spec PageSpec, pos func(*T) Position) (*Page[T], error) {
	asc := spec.Ascending != spec.Backward
	cmp, dir := "<", "DESC"
	if asc {
		cmp, dir = ">", "ASC"
	}
	q := l.query(db.WithContext(ctx))
	if spec.After != nil {
		// a row value comparison, which both databases can answer from an index on (column, id)
		var at any = spec.After.Time.UTC()
		if l.textKey {
			at = spec.After.Key
		}
		q = q.Where("("+l.column+", "+l.idColumn+") "+cmp+" (?, ?)", at, spec.After.ID)
	}
	var rows []T
	if err := q.Order(l.column + " " + dir).Order(l.idColumn + " " + dir).Limit(spec.Size + 1).Find(&rows).Error; err != nil {
		return nil, err
	}
	p := &Page[T]{More: len(rows) > spec.Size}
	if p.More {
		rows = rows[:spec.Size]
	}
	if spec.Backward {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	if len(rows) > 0 {
		p.First, p.Last = pos(&rows[0]), pos(&rows[len(rows)-1])
	}
	p.Rows = rows
	return p, nil
}

// readAll reads every row of a listing.
func readAll[T any](ctx context.Context, db *gorm.DB, l listing) ([]T, error) {
	var rows []T
	return rows, l.query(db.WithContext(ctx)).Find(&rows).Error
}

// EscapeLike makes a value literal inside a LIKE pattern written with ESCAPE '\'.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// first is a one-row page's row, nil when it has none.
func first[T any](p *Page[T], err error) (*T, error) {
	if err != nil || len(p.Rows) == 0 {
		return nil, err
	}
	return &p.Rows[0], nil
}
