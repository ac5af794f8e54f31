package work

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Lease claims rows by writing, in the caller's transaction, until when they are held (the Until column).
// Unlike a Claimer's, leased rows stay claimed once that transaction commits, so their work may run outside any
// transaction for as long as the lease lasts: a message's send, say, which waits on a gateway. A worker that
// dies simply lets its leases run out, and the rows are leased again; a worker done with a row clears the lease
// in the same write that records what it did.
//
// It runs, in q,
//
//	UPDATE <Table> SET <Until> = ? WHERE <Key> IN (SELECT <Key> FROM <Table> WHERE (<where>) AND (<Until> IS NULL OR <Until> <= ?)
//	    ORDER BY <Order> LIMIT n [FOR UPDATE SKIP LOCKED]) RETURNING <Key>
//
// With SkipLocked (PostgreSQL), rows another transaction is leasing right now are passed by; on SQLite, whose
// writers take turns, the UPDATE is itself the exclusion. Keys come back in no particular order.
type Lease struct {
	Table, Key, Order, Until string
	SkipLocked               bool
}

// Claim leases up to n rows where where holds (with args) and no lease is running at now, until until.
func (l *Lease) Claim(ctx context.Context, q Querier, where string, args []any, n int, now, until time.Time) ([]int64, error) {
	if n <= 0 {
		return nil, nil
	}
	order := l.Order
	if order == "" {
		order = l.Key
	}
	lock := ""
	if l.SkipLocked {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	sql := fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s IN (SELECT %s FROM %s WHERE (%s) AND (%s IS NULL OR %s <= ?) ORDER BY %s LIMIT %d%s) RETURNING %s",
		l.Table, l.Until, l.Key, l.Key, l.Table, where, l.Until, l.Until, order, n, lock, l.Key)
	all := append(append([]any{until}, slices.Clip(args)...), now)
	return q.QueryKeys(ctx, sql, all...)
}
