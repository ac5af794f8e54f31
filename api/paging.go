package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"time"

	"github.com/flowsd/flowsd/models"
)

// PageSize is how many results a page holds, as in RapidPro; clients can't change it.
const PageSize = 250

// page is the envelope of every cursor-paginated listing.
type page[T any] struct {
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// order is how a listing's pages run: newest first, or oldest first with ?reverse=true when reversible, or
// always when ascending; the listing itself knows its columns.
type order struct {
	reversible bool
	ascending  bool
	pageSize   int // 0 is PageSize
}

// cursor is a position in a listing. It travels base64-encoded, opaque to clients.
type cursor struct {
	Time     time.Time `json:"t"`
	ID       int64     `json:"i"`
	Backward bool      `json:"b,omitempty"`
}

func (cur cursor) encode() string {
	b, _ := json.Marshal(cur)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	cur := &cursor{}
	if err := json.Unmarshal(b, cur); err != nil || cur.ID <= 0 {
		return nil, errInvalidCursor
	}
	return cur, nil
}

var errInvalidCursor = errDetail(404, "Invalid cursor")

// respondPage answers with one page of a listing in the given order: the page the request's cursor points to,
// with absolute next/previous links that keep every other query parameter. read reads a page of the listing;
// convert turns its rows into results.
func respondPage[T any, R any](c *Ctx, ord order, read func(context.Context, models.PageSpec) (*models.Page[T], error), convert func([]T) ([]R, error)) error {
	spec := models.PageSpec{Size: PageSize, Ascending: ord.ascending || (ord.reversible && queryBool(c.query, "reverse"))}
	if ord.pageSize > 0 {
		spec.Size = ord.pageSize
	}
	var cur *cursor
	if s := c.query.Get("cursor"); s != "" {
		var err error
		if cur, err = decodeCursor(s); err != nil {
			return errInvalidCursor
		}
		spec.After = &models.Position{Time: cur.Time, ID: cur.ID}
		spec.Backward = cur.Backward
	}

	p, err := read(c.Request().Context(), spec)
	if err != nil {
		return err
	}
	out := page[R]{}
	if len(p.Rows) > 0 {
		hasNext, hasPrev := p.More, cur != nil
		if spec.Backward {
			hasNext, hasPrev = true, p.More
		}
		if hasNext {
			out.Next = c.pageLink(cursor{Time: p.Last.Time, ID: p.Last.ID})
		}
		if hasPrev {
			out.Previous = c.pageLink(cursor{Time: p.First.Time, ID: p.First.ID, Backward: true})
		}
	}

	results, err := convert(p.Rows)
	if err != nil {
		return err
	}
	if results == nil {
		results = []R{}
	}
	out.Results = results
	return c.respond(200, out)
}

// pageLink is the request's absolute URL with its cursor replaced.
func (c *Ctx) pageLink(cur cursor) *string {
	q := url.Values{}
	for k, v := range c.query {
		q[k] = v
	}
	q.Set("cursor", cur.encode())
	u := url.URL{Scheme: c.Scheme(), Host: c.Request().Host, Path: c.Request().URL.Path, RawQuery: q.Encode()}
	s := u.String()
	return &s
}

// convertEach maps rows to results one by one.
func convertEach[T any, R any](fn func(*T) R) func([]T) ([]R, error) {
	return func(rows []T) ([]R, error) {
		out := make([]R, len(rows))
		for i := range rows {
			out[i] = fn(&rows[i])
		}
		return out, nil
	}
}

// offsetPage is the envelope of a listing paged by limit and offset (DRF's LimitOffsetPagination, which
// archives use): with the count of the whole listing.
type offsetPage[T any] struct {
	Count    int64   `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// respondOffsetPage answers a page of a listing by ?limit= (default PageSize; one that isn't a positive number
// is the default) and ?offset= (default 0; likewise), with next and previous links as DRF writes them.
func respondOffsetPage[T any](c *Ctx, count func(context.Context) (int64, error), slice func(context.Context, int, int) ([]T, error), convert func(*T) any) error {
	limit, offset := PageSize, 0
	if n, err := strconv.Atoi(c.query.Get("limit")); err == nil && n > 0 {
		limit = n
	}
	if n, err := strconv.Atoi(c.query.Get("offset")); err == nil && n > 0 {
		offset = n
	}
	ctx := c.Request().Context()
	n, err := count(ctx)
	if err != nil {
		return err
	}
	out := offsetPage[any]{Count: n, Results: []any{}}
	if int64(offset) < n {
		rows, err := slice(ctx, offset, limit)
		if err != nil {
			return err
		}
		for i := range rows {
			out.Results = append(out.Results, convert(&rows[i]))
		}
	}
	if int64(offset)+int64(limit) < n {
		out.Next = c.offsetLink(limit, offset+limit)
	}
	if offset > 0 {
		out.Previous = c.offsetLink(limit, max(offset-limit, 0))
	}
	return c.respond(200, out)
}

// offsetLink is the request's absolute URL with its limit and offset replaced (no offset for the first page).
func (c *Ctx) offsetLink(limit, offset int) *string {
	q := url.Values{}
	for k, v := range c.query {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(limit))
	q.Del("offset")
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	u := url.URL{Scheme: c.Scheme(), Host: c.Request().Host, Path: c.Request().URL.Path, RawQuery: q.Encode()}
	s := u.String()
	return &s
}
