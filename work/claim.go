package work

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Querier runs a query answering one integer column, with `?` placeholders and flat arguments (one `?` per
// argument; no slice expansion). flowsd's store implements it over its transactions.
type Querier interface {
	QueryKeys(ctx context.Context, sql string, args ...any) ([]int64, error)
}

// Claimer takes rows of a table for one worker at a time, so that any number of workers, in any number of
// processes (PostgreSQL) or in one process (SQLite), never work the same row at once.
//
// With SkipLocked (PostgreSQL) Claim runs, in the caller's transaction (q),
//
//	UPDATE <Table> SET <Set> WHERE (<where>) AND <Key> IN (SELECT <Key> FROM <Table> WHERE (<where>) ORDER BY <Order> LIMIT n FOR UPDATE SKIP LOCKED) RETURNING <Key>
//
// (or, when Set is "", SELECT <Key> FROM <Table> WHERE (<where>) ORDER BY <Order> LIMIT n FOR UPDATE SKIP
// LOCKED): the claimed rows stay locked to that transaction, other processes pass them by, and if it doesn't
// commit nothing was claimed. release is a no-op.
//
// Without SkipLocked (SQLite, one process) Claim only reads, passing by the rows this Claimer has handed out
// and not yet released:
//
//	SELECT <Key> FROM <Table> WHERE (<where>) AND <Key> NOT IN (?, …) ORDER BY <Order> LIMIT n
//
// and marks the keys in flight until release is called; the caller then marks the rows done in its own
// write transaction, and calls release once that has committed (or failed), not before, or another worker
// could read the rows as still to do. Reading and marking happen under one mutex, so two goroutines never
// get the same key. Set is not used: SQLite has one writer, and the caller's write is what marks rows done.
//
// Keys come back in ascending order. Table, Key, Order and Set are SQL written by the programmer, never
// input; Set takes no arguments, and Order defaults to Key. A Claimer must not be copied once used.
type Claimer struct {
	Table, Key, Order, Set string
	SkipLocked             bool

	mu       sync.Mutex
	inFlight map[int64]struct{} // SQLite mode: handed out, not released
}

// Claim takes up to n rows matching where (with its args, one per `?`) and gives their keys, and release to
// call when the caller is done with them. release is never nil, even with an error, so it may be deferred
// at once; calling it more than once is harmless.
func (c *Claimer) Claim(ctx context.Context, q Querier, where string, args []any, n int) (keys []int64, release func(), err error) {
	if n <= 0 {
		return nil, func() {}, nil
	}
	order := c.Order
	if order == "" {
		order = c.Key
	}
	if c.SkipLocked {
		keys, err = c.claimLocked(ctx, q, where, args, n, order)
		if err != nil {
			return nil, func() {}, err
		}
		slices.Sort(keys)
		return keys, func() {}, nil
	}
	return c.claimInFlight(ctx, q, where, args, n, order)
}

func (c *Claimer) claimLocked(ctx context.Context, q Querier, where string, args []any, n int, order string) ([]int64, error) {
	sel := fmt.Sprintf("SELECT %s FROM %s WHERE (%s) ORDER BY %s LIMIT %d FOR UPDATE SKIP LOCKED", c.Key, c.Table, where, order, n)
	if c.Set == "" {
		return q.QueryKeys(ctx, sel, args...)
	}
	// where is checked again outside the subquery: it costs nothing on the rows just locked, and says plainly
	// that only rows still matching are updated
	upd := fmt.Sprintf("UPDATE %s SET %s WHERE (%s) AND %s IN (%s) RETURNING %s", c.Table, c.Set, where, c.Key, sel, c.Key)
	return q.QueryKeys(ctx, upd, append(slices.Clip(args), args...)...)
}

func (c *Claimer) claimInFlight(ctx context.Context, q Querier, where string, args []any, n int, order string) ([]int64, func(), error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	var sb strings.Builder
	fmt.Fprintf(&sb, "SELECT %s FROM %s WHERE (%s)", c.Key, c.Table, where)
	all := slices.Clone(args)
	if len(c.inFlight) > 0 {
		fmt.Fprintf(&sb, " AND %s NOT IN (", c.Key)
		for i, k := range slices.Sorted(maps.Keys(c.inFlight)) {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('?')
			all = append(all, k)
		}
		sb.WriteByte(')')
	}
	fmt.Fprintf(&sb, " ORDER BY %s LIMIT %d", order, n)

	keys, err := q.QueryKeys(ctx, sb.String(), all...)
	if err != nil {
		return nil, func() {}, err
	}
	slices.Sort(keys)
	if c.inFlight == nil {
		c.inFlight = map[int64]struct{}{}
	}
	for _, k := range keys {
		c.inFlight[k] = struct{}{}
	}
	held := slices.Clone(keys) // the caller may reuse keys
	var once sync.Once
	release := func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			for _, k := range held {
				delete(c.inFlight, k)
			}
		})
	}
	return keys, release, nil
}

// InFlight says how many keys are handed out and not released (SQLite mode), for tests.
func (c *Claimer) InFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.inFlight)
}
