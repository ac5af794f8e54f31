package models

import (
	"context"
	"hash/fnv"
	"sync"
	"time"

	"github.com/flowsd/flowsd/work"
)

// leaderNamespace keeps the advisory locks of leadership apart from contacts' (locks.go) and anyone else's.
const leaderNamespace = 74816

// Leader is what makes a cron (work.Cron) run in one process at a time. On PostgreSQL a leader holds a session
// advisory lock on a connection of its own for as long as it leads: a process that dies lets it go with its
// connection, and another takes over at its next tick. On SQLite, which one process serves, leading is only kept
// from two crons of one name in that process.
func (s *Store) Leader() work.Leader { return s.leader }

func newLeader(s *Store) work.Leader {
	if s.Dialect == Postgres {
		return &pgLeader{s: s}
	}
	return &localLeader{held: map[string]bool{}}
}

type pgLeader struct{ s *Store }

func (l *pgLeader) Lead(ctx context.Context, name string) (func(), bool, error) {
	sqlDB, err := l.s.db.DB()
	if err != nil {
		return nil, false, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	key := leaderKey(name)
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil || !got {
		conn.Close()
		return nil, false, err
	}
	return func() {
		// on a fresh context: the caller's may be over, and a lock left held would keep the role from others
		unlockCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn.ExecContext(unlockCtx, "SELECT pg_advisory_unlock($1)", key)
		conn.Close()
	}, true, nil
}

func leaderKey(name string) int64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return leaderNamespace<<40 | int64(h.Sum32())
}

type localLeader struct {
	mu   sync.Mutex
	held map[string]bool
}

func (l *localLeader) Lead(_ context.Context, name string) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[name] {
		return nil, false, nil
	}
	l.held[name] = true
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.held, name)
	}, true, nil
}
