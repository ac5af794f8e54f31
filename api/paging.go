package api

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"time"

	"github.com/flowsd/flowsd/models"
	"gorm.io/gorm"
)

// PageSize is how many results a page holds, as in RapidPro; clients can't change it.
const PageSize = 250

// page is the envelope of every cursor-paginated listing.
type page[T any] struct {
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// ordering is how a listing is ordered: by a time column, newest first, then id.
type ordering struct {
	column     string // qualified time column, e.g. "labels.created_on"
	idColumn   string // qualified id column
	reversible bool   // ?reverse=true lists oldest first
	ascending  bool   // oldest first regardless of ?reverse
	pageSize   int    // 0 is PageSize
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

// respondPage answers with one page of q in the given order: the page the request's cursor points to, with
// absolute next/previous links that keep every other query parameter. convert turns rows into results.
func respondPage[T any, R any](c *Ctx, q *gorm.DB, ord ordering, pos func(*T) models.Position, convert func([]T) ([]R, error)) error {
	size := PageSize
	if ord.pageSize > 0 {
		size = ord.pageSize
	}
	ks := models.Keyset{Column: ord.column, IDColumn: ord.idColumn, Limit: size + 1}
	ks.Ascending = ord.ascending || (ord.reversible && queryBool(c.query, "reverse"))

	var cur *cursor
	if s := c.query.Get("cursor"); s != "" {
		var err error
		if cur, err = decodeCursor(s); err != nil {
			return errInvalidCursor
		}
		ks.After = &models.Position{Time: cur.Time, ID: cur.ID}
		ks.Backward = cur.Backward
	}

	var rows []T
	if err := ks.Apply(q).Find(&rows).Error; err != nil {
		return err
	}
	more := len(rows) > size
	if more {
		rows = rows[:size]
	}
	if ks.Backward {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}

	out := page[R]{}
	if len(rows) > 0 {
		first, last := pos(&rows[0]), pos(&rows[len(rows)-1])
		hasNext, hasPrev := more, cur != nil
		if ks.Backward {
			hasNext, hasPrev = true, more
		}
		if hasNext {
			out.Next = c.pageLink(cursor{Time: last.Time, ID: last.ID})
		}
		if hasPrev {
			out.Previous = c.pageLink(cursor{Time: first.Time, ID: first.ID, Backward: true})
		}
	}

	results, err := convert(rows)
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
