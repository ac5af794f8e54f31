package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/flowsd/flowsd/work"
)

// Background work claims rows before working them, so that any number of workers in any number of processes
// never work one row at once (work.Claimer): on PostgreSQL the claim, the work's reads and its writes are one
// transaction that holds the claimed rows locked (other processes pass them by, and a process that dies lets
// them go); on SQLite, which one process serves, the claimer passes by the rows this process is working, and
// the work's writes go through Write, which marks the rows claimed in the same transaction.

// The kinds of background work that wake on signals (work.Kind), fired by the transactions that make work.
const (
	WorkStarts     work.Kind = "starts"     // flow starts to resolve and start
	WorkGroups     work.Kind = "groups"     // smart groups to evaluate
	WorkSends      work.Kind = "sends"      // messages to send
	WorkBroadcasts work.Kind = "broadcasts" // broadcasts to resolve and send
)

// ErrClaimLost means someone else worked some of a batch first; nothing of the batch was written.
var ErrClaimLost = errors.New("claimed rows were worked by someone else")

// claimers are the store's claimers, one per kind of claimed row.
type claimers struct {
	recipients, pendingStarts, dueSessions, evaluatingGroups *work.Claimer
	pendingBroadcasts, broadcastRecipients                   *work.Claimer
	dueFires                                                 *work.Claimer
}

func newClaimers(d Dialect) claimers {
	pg := d == Postgres
	return claimers{
		recipients:        &work.Claimer{Table: "flow_start_recipients", Key: "contact_id", Order: "contact_id", Set: "started = TRUE", SkipLocked: pg},
		pendingStarts:     &work.Claimer{Table: "flow_starts", Key: "id", Order: "id", SkipLocked: pg},
		dueSessions:       &work.Claimer{Table: "flow_sessions", Key: "id", Order: "id", SkipLocked: pg},
		evaluatingGroups:  &work.Claimer{Table: "contact_groups", Key: "id", Order: "id", SkipLocked: pg},
		pendingBroadcasts: &work.Claimer{Table: "broadcasts", Key: "id", Order: "id", SkipLocked: pg},
		broadcastRecipients: &work.Claimer{Table: "broadcast_recipients", Key: "contact_id", Order: "contact_id",
			Set: "sent = TRUE", SkipLocked: pg},
		dueFires: &work.Claimer{Table: "campaign_fires", Key: "id", Order: "fire_on, id", SkipLocked: pg},
	}
}

// Batch is claimed work handed to a worker: the keys of its rows, reads to make while working them, and one
// write of the results.
type Batch struct {
	Keys []int64
	// Read reads inside the claim's transaction on PostgreSQL, on the database on SQLite.
	Read *Reader

	store   *Store
	held    *Tx // PostgreSQL: the claim's transaction
	claimer *work.Claimer
	where   string
	args    []any
	locks   []func()
}

// Write writes what the batch did, once. On PostgreSQL it runs in the claim's transaction, which commits when
// the worker is done; on SQLite it is a transaction of its own that also marks the claimed rows, failing with
// ErrClaimLost (and writing nothing) when any was marked first.
func (b *Batch) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if b.held != nil {
		return fn(b.held)
	}
	return b.store.Write(ctx, func(tx *Tx) error {
		if b.claimer.Set != "" {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(b.Keys)), ", ")
			args := append(append([]any{}, b.args...), keysAsArgs(b.Keys)...)
			res := tx.db.Exec("UPDATE "+b.claimer.Table+" SET "+b.claimer.Set+" WHERE ("+b.where+") AND "+b.claimer.Key+" IN ("+marks+")", args...)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != int64(len(b.Keys)) {
				return ErrClaimLost
			}
		}
		return fn(tx)
	})
}

// LockContacts takes the contacts' locks for the rest of the batch, waiting up to wait for any held by
// someone else: on PostgreSQL for the claim's transaction (they go when it ends), on SQLite until the batch is
// done.
func (b *Batch) LockContacts(ctx context.Context, contactIDs []int64, wait time.Duration) error {
	if b.held != nil {
		return b.held.lockContacts(ctx, contactIDs, wait)
	}
	release, err := b.store.Locks.Lock(ctx, contactIDs, wait)
	if err == nil {
		b.locks = append(b.locks, release)
	}
	return err
}

// TryLockContacts takes, for the rest of the batch, the locks of the contacts nobody else holds, without
// waiting, and says which it took. Work that must not wait on a contact (a wait's timeout, whose contact may be
// replying right now) leaves the others for later.
func (b *Batch) TryLockContacts(ctx context.Context, contactIDs []int64) ([]int64, error) {
	if b.held != nil {
		return b.held.tryLockContacts(ctx, contactIDs)
	}
	var taken []int64
	for _, id := range contactIDs {
		if release, ok := b.store.Locks.tryLocal(id); ok {
			b.locks = append(b.locks, release)
			taken = append(taken, id)
		}
	}
	return taken, nil
}

func (b *Batch) done() {
	for i := len(b.locks) - 1; i >= 0; i-- {
		b.locks[i]()
	}
}

// claim claims up to n rows where where holds and hands them to do, answering how many it claimed (0: none
// to claim, do isn't called). An error from do writes nothing.
func (s *Store) claim(ctx context.Context, c *work.Claimer, where string, args []any, n int, do func(b *Batch) error) (int, error) {
	if c.SkipLocked {
		claimed := 0
		err := s.transaction(ctx, func(tx *Tx) error {
			keys, _, err := c.Claim(ctx, &tx.Reader, where, args, n)
			if err != nil || len(keys) == 0 {
				return err
			}
			claimed = len(keys)
			b := &Batch{Keys: keys, Read: &tx.Reader, store: s, held: tx, claimer: c, where: where, args: args}
			defer b.done()
			return do(b)
		})
		return claimed, err
	}
	keys, release, err := c.Claim(ctx, s.Reader(ctx), where, args, n)
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	defer release()
	b := &Batch{Keys: keys, Read: s.Reader(ctx), store: s, claimer: c, where: where, args: args}
	defer b.done()
	return len(keys), do(b)
}

func keysAsArgs(keys []int64) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}
