package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
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
	Key      string    `json:"k,omitempty"`
	ID       int64     `json:"i"`
	Backward bool      `json:"b,omitempty"`
}

func (cur cursor) encode() string {
	b, _ := json.Marshal(cur)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	cur := &cursor{}
	if err != nil || json.Unmarshal(b, cur) != nil || cur.ID <= 0 {
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
		spec.After = &models.Position{Time: cur.Time, ID: cur.ID, Key: cur.Key}
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
			out.Next = c.pageLink(cursor{Time: p.Last.Time, Key: p.Last.Key, ID: p.Last.ID})
		}
		if hasPrev {
			out.Previous = c.pageLink(cursor{Time: p.First.Time, Key: p.First.Key, ID: p.First.ID, Backward: true})
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
	return c.linkWith(func(q url.Values) { q.Set("cursor", cur.encode()) })
}

// linkWith is the request's absolute URL with its query parameters changed by change.
func (c *Ctx) linkWith(change func(url.Values)) *string {
	q := url.Values{}
	for k, v := range c.query {
		q[k] = v
	}
	change(q)
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

// offsetPage is the envelope of a limit/offset listing (DRF's LimitOffsetPagination): archives and Weni's
// channel_stats page this way, with a count of every row.
type offsetPage[T any] struct {
	Count    int64   `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// offsetWindow is the rows a limit/offset request asks for: ?limit= (PageSize when absent or not a positive
// integer, as DRF reads it) from ?offset= (0 when absent or not a positive integer).
type offsetWindow struct{ limit, offset int }

// maxOffsetWindow bounds limit and offset (DRF has no bound) so that their sum can't overflow.
const maxOffsetWindow = 1 << 31

func readOffsetWindow(c *Ctx) offsetWindow {
	w := offsetWindow{limit: PageSize}
	if n, ok := positiveInt(c.query.Get("limit")); ok {
		w.limit = n
	}
	if n, ok := positiveInt(c.query.Get("offset")); ok {
		w.offset = n
	}
	return w
}

// positiveInt reads a positive integer, at most maxOffsetWindow (a larger one is taken as that, as Python's
// integers have no bound to overflow).
func positiveInt(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(s, "-") {
		return maxOffsetWindow, true
	}
	return min(n, maxOffsetWindow), err == nil && n > 0
}

// respondOffsetPage answers with a window of a listing of count rows: next and previous are the request's
// absolute URL with limit and offset moved, as DRF writes them (previous drops offset on reaching 0).
func respondOffsetPage[R any](c *Ctx, w offsetWindow, count int64, results []R) error {
	out := offsetPage[R]{Count: count, Results: results}
	if out.Results == nil {
		out.Results = []R{}
	}
	link := func(offset int) *string {
		return c.linkWith(func(q url.Values) {
			q.Set("limit", strconv.Itoa(w.limit))
			if offset > 0 {
				q.Set("offset", strconv.Itoa(offset))
			} else {
				q.Del("offset")
			}
		})
	}
	if int64(w.offset+w.limit) < count {
		out.Next = link(w.offset + w.limit)
	}
	if w.offset > 0 {
		out.Previous = link(max(w.offset-w.limit, 0))
	}
	return c.respond(200, out)
}
