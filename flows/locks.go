package flows

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/flowsd/flowsd/models"
)

// ContactLocks keep two things from happening to one contact at once (a start and a reply, say): whoever
// holds a contact's lock is the only one running its sessions. On PostgreSQL they are advisory locks, held
// across processes; on SQLite, which one process serves, they are in-process mutexes.
type ContactLocks struct {
	store *models.Store
	mu    sync.Mutex
	held  map[int64]chan struct{} // in-process: a contact's lock is a channel of one slot
}

// NewContactLocks makes the locks for a store.
func NewContactLocks(store *models.Store) *ContactLocks {
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
	if l.store.Dialect == models.Postgres {
		return l.lockAdvisory(ctx, ids, wait)
	}
	return l.lockLocal(ctx, ids, wait)
}

func (l *ContactLocks) lockLocal(ctx context.Context, ids []int64, wait time.Duration) (func(), error) {
	var taken []chan struct{}
	release := func() {
		for _, ch := range taken {
			<-ch
		}
	}
	for _, id := range ids {
		l.mu.Lock()
		ch := l.held[id]
		if ch == nil {
			ch = make(chan struct{}, 1)
			l.held[id] = ch
		}
		l.mu.Unlock()
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
// transactions that write what the engine did.
func (l *ContactLocks) lockAdvisory(ctx context.Context, ids []int64, wait time.Duration) (func(), error) {
	sqlDB, err := l.store.DB.DB()
	if err != nil {
		return nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var taken []int64
	release := func() {
		// unlock on a fresh context: the caller's may be over, and a lock left held would block the contact
		unlockCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, id := range taken {
			conn.ExecContext(unlockCtx, "SELECT pg_advisory_unlock($1, $2)", lockNamespace, int32(id))
		}
		conn.Close()
	}
	for _, id := range ids {
		if err := tryAdvisory(ctx, conn, id, wait); err != nil {
			release()
			return nil, err
		}
		taken = append(taken, id)
	}
	return release, nil
}

func tryAdvisory(ctx context.Context, conn *sql.Conn, id int64, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for pause := time.Millisecond; ; pause = min(pause*2, 50*time.Millisecond) {
		var got bool
		// the second key is the id cut to 32 bits: two contacts may share a lock, which only costs a wait
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1, $2)", lockNamespace, int32(id)).Scan(&got); err != nil {
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
