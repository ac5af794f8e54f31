package models

import "context"

// Limit/offset reading of a listing, for the endpoints that page with ?limit=&offset= and a count (DRF's
// LimitOffsetPagination) rather than a cursor: newest first in the listing's order.

// Count counts the listing's rows.
func (q *query[T]) Count(ctx context.Context) (int64, error) {
	var n int64
	l := q.l
	l.sel = "" // COUNT(*), whatever the listing selects
	return n, l.query(q.s.read(ctx)).Count(&n).Error
}

// Slice reads up to limit rows of the listing after skipping offset, newest first.
func (q *query[T]) Slice(ctx context.Context, limit, offset int) ([]T, error) {
	var rows []T
	err := q.l.query(q.s.read(ctx)).Order(q.l.column + " DESC").Order(q.l.idColumn + " DESC").Limit(limit).Offset(offset).Find(&rows).Error
	return rows, err
}
