package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ContactLocks keep two things from happening to one contact at once (a start and a reply, say): whoever
// holds a contact's lock is the only one running its sessions. On PostgreSQL they are advisory locks, held
// across processes; on SQLite, which one process serves, they are in-process mutexes.
type ContactLocks struct {
	store *Store
	mu    sync.Mutex
	held  map[int64]chan struct{} // in-process: a contact's lock is a channel of one slot
}

func newContactLocks(store *Store) *ContactLocks {
	return &ContactLocks{store: store, held: map[int64]chan struct{}{}}
}

// ErrLockTimeout is returned when a contact stays locked by someone else for too long.
var ErrLockTimeout = errors.New("timed out waiting for a contact's lock")

// lockNamespace keeps flowsd's advisory locks apart from anyone else's on the same database.
const lockNamespace = 74815

// Lock takes the locks of contacts, in id order (so two lockers can't deadlock), waiting up to wait for
// each. The release function gives them back.
func (l *ContactLocks) Lock(ctx context.Context, contactIDs []int64, wait time.Duration) (release func(), err error) {
	ids := append([]int64(nil), contactIDs...)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if l.store.Dialect == Postgres {
		return l.lockAdvisory(ctx, ids, wait)
	}
	return l.lockLocal(ctx, ids, wait)
}

func (l *ContactLocks) slot(id int64) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.held[id]
	if ch == nil {
		ch = make(chan struct{}, 1)
		l.held[id] = ch
	}
	return ch
}

// tryLocal takes an in-process lock if nobody holds it.
func (l *ContactLocks) tryLocal(id int64) (func(), bool) {
	ch := l.slot(id)
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, true
	default:
		return nil, false
	}
}

func (l *ContactLocks) lockLocal(ctx context.Context, ids []int64, wait time.Duration) (func(), error) {
	var taken []chan struct{}
	release := func() {
		for _, ch := range taken {
			<-ch
		}
	}
	for _, id := range ids {
		ch := l.slot(id)
		select {
		case ch <- struct{}{}:
			taken = append(taken, ch)
		case <-time.After(wait):
			release()
			return nil, ErrLockTimeout
		case <-ctx.Done():
			release()
			return nil, ctx.Err()
		}
	}
	return release, nil
}

// lockAdvisory holds session-level advisory locks on one dedicated connection, so they outlive the short
// transactions that write what the engine did. All are tried in one round trip; any held by someone else
// are then waited for one by one.
func (l *ContactLocks) lockAdvisory(ctx context.Context, ids []int64, wait time.Duration) (func(), error) {
	sqlDB, err := l.store.db.DB()
	if err != nil {
		return nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	keys := advisoryKeys(ids)
	var taken []int64
	release := func() {
		// unlock on a fresh context: the caller's may be over, and a lock left held would block the contact
		unlockCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if len(taken) > 0 {
			conn.ExecContext(unlockCtx, "SELECT pg_advisory_unlock(k) FROM unnest(CAST($1 AS BIGINT[])) AS k", pgArray(taken))
		}
		conn.Close()
	}
	rows, err := conn.QueryContext(ctx, "SELECT k, pg_try_advisory_lock(k) FROM unnest(CAST($1 AS BIGINT[])) AS k", pgArray(keys))
	if err != nil {
		release()
		return nil, err
	}
	var busy []int64
	for rows.Next() {
		var k int64
		var got bool
		if err := rows.Scan(&k, &got); err != nil {
			rows.Close()
			release()
			return nil, err
		}
		if got {
			taken = append(taken, k)
		} else {
			busy = append(busy, k)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		release()
		return nil, err
	}
	for _, k := range busy {
		if err := tryAdvisory(ctx, conn, k, wait); err != nil {
			release()
			return nil, err
		}
		taken = append(taken, k)
	}
	return release, nil
}

// lockContacts takes contacts' locks for the rest of a PostgreSQL transaction, which gives them back when it
// ends: one round trip, and nothing to release. They are the same locks ContactLocks.Lock takes.
func (tx *Tx) lockContacts(ctx context.Context, contactIDs []int64, wait time.Duration) error {
	keys := advisoryKeys(contactIDs)
	var busy []int64
	err := tx.db.WithContext(ctx).Raw("SELECT k FROM unnest(CAST(? AS BIGINT[])) AS k WHERE NOT pg_try_advisory_xact_lock(k) ORDER BY k", pgArray(keys)).
		Scan(&busy).Error
	if err != nil || len(busy) == 0 {
		return err
	}
	// someone has a few of them (a reply being handled, say): wait for those, but not for ever
	if err := tx.db.Exec(fmt.Sprintf("SET LOCAL lock_timeout = '%dms'", wait.Milliseconds())).Error; err != nil {
		return err
	}
	for _, k := range busy {
		if err := tx.db.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(?)", k).Error; err != nil {
			return errors.Join(ErrLockTimeout, err)
		}
	}
	return tx.db.Exec("SET LOCAL lock_timeout = 0").Error
}

// tryLockContacts takes, for the rest of a PostgreSQL transaction, the locks of the contacts nobody holds, and
// says whose it took.
func (tx *Tx) tryLockContacts(ctx context.Context, contactIDs []int64) ([]int64, error) {
	var taken []int64
	for _, id := range contactIDs {
		var got bool
		if err := tx.db.WithContext(ctx).Raw("SELECT pg_try_advisory_xact_lock(?)", advisoryKey(id)).Scan(&got).Error; err != nil {
			return taken, err
		}
		if got {
			taken = append(taken, id)
		}
	}
	return taken, nil
}

func advisoryKeys(contactIDs []int64) []int64 {
	keys := make([]int64, len(contactIDs))
	for i, id := range contactIDs {
		keys[i] = advisoryKey(id)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// advisoryKey is a contact's lock: flowsd's namespace in the high bits keeps it apart from anyone else's
// advisory locks on the same database.
func advisoryKey(contactID int64) int64 { return lockNamespace<<40 | contactID&(1<<40-1) }

func pgArray(keys []int64) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strconv.FormatInt(k, 10)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func tryAdvisory(ctx context.Context, conn *sql.Conn, key int64, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for pause := time.Millisecond; ; pause = min(pause*2, 50*time.Millisecond) {
		var got bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
			return err
		}
		if got {
			return nil
		}
		if time.Now().After(deadline) {
			return ErrLockTimeout
		}
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
