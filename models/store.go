package models

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/work"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// Store is the database behind flowsd with the clock and UUID generator every write uses.
//
// How functions meet transactions, everywhere in this package: a Store method runs in its own transaction
// (or none, for reads); a method of *Tx runs in the caller's transaction; a method of *Reader is a read that
// runs on whatever handle it is given: the database (Store.Reader) or a transaction (a Tx is a Reader).
type Store struct {
	db      *gorm.DB
	Dialect Dialect
	Now     runtime.Clock
	NewUUID runtime.UUIDGen

	// Signals hear of new work once the transaction that made it has committed; nil: no one listens.
	Signals *work.Signals

	// Limits overrides DefaultLimits, kind by kind.
	Limits map[string]int

	// Rules are the flow engine's rules for contacts (smart groups, name search), from package flows.
	Rules ContactRules

	// Locks keep two things from happening to one contact at once.
	Locks *ContactLocks

	principals     sync.Map // token hash -> *Principal, see Authenticate
	principalCount atomic.Int64

	// SQLite has one writer at a time; queuing writers of this process here keeps them from spinning on the
	// file lock. Other processes still queue on the busy timeout.
	writeMu sync.Mutex

	claimers      claimers
	lease         *work.Lease // of outgoing messages, by senders
	deliveryLease *work.Lease // of resthook deliveries to retry
	leader        work.Leader
}

// NewStore wraps an open database.
func NewStore(db *gorm.DB, dialect Dialect, clock runtime.Clock, uuids runtime.UUIDGen) *Store {
	if clock == nil {
		clock = runtime.RealClock
	}
	if uuids == nil {
		uuids = runtime.RandomUUID
	}
	s := &Store{db: db, Dialect: dialect, Now: clock, NewUUID: uuids}
	s.Locks = newContactLocks(s)
	s.claimers = newClaimers(dialect)
	s.lease = newLease(dialect)
	s.deliveryLease = newDeliveryLease(dialect)
	s.leader = newLeader(s)
	return s
}

// now is the store's clock in UTC at microsecond precision.
func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Reader runs queries, on the database itself or inside a transaction (every Tx is a Reader).
type Reader struct {
	db *gorm.DB
	s  *Store
}

// Tx is one write transaction. The work it signals is signalled once it has committed, never before, so a
// worker woken by it always finds what it was woken for.
type Tx struct {
	Reader
	signals     []work.Kind
	afterCommit []func(ctx context.Context)
}

// Signal has the workers of kinds woken once the transaction commits.
func (tx *Tx) Signal(kinds ...work.Kind) { tx.signals = append(tx.signals, kinds...) }

// Reader gives reads on the database, bound to ctx.
func (s *Store) Reader(ctx context.Context) *Reader { return &Reader{db: s.db.WithContext(ctx), s: s} }

// read is the handle of the store's own reads.
func (s *Store) read(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// Write runs fn in one transaction: all of its writes land or none do. What it signals is fired after commit.
func (s *Store) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if s.Dialect == SQLite {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	return s.transaction(ctx, fn)
}

// transaction runs fn in a plain transaction and, once it commits, what it left to do after.
func (s *Store) transaction(ctx context.Context, fn func(tx *Tx) error) error {
	var done *Tx
	err := s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		tx := &Tx{Reader: Reader{db: db, s: s}}
		if err := fn(tx); err != nil {
			return err
		}
		done = tx
		return nil
	})
	if err == nil && done != nil {
		for _, f := range done.afterCommit {
			f(ctx)
		}
		s.Signals.Fire(done.signals...)
	}
	return err
}

// lockWorkspace serializes writers that check a per-workspace limit before inserting, so two concurrent
// creates can't both pass the check. SQLite transactions are already exclusive.
func (tx *Tx) lockWorkspace(workspaceID int64) error {
	if tx.s.Dialect != Postgres {
		return nil
	}
	return tx.db.Exec("SELECT id FROM workspaces WHERE id = ? FOR UPDATE", workspaceID).Error
}

// getActive finds the active row of a workspace's table whose column has value; ErrNotFound if none has.
func getActive[T any](ctx context.Context, s *Store, workspaceID int64, column, value string) (*T, error) {
	row := new(T)
	return row, s.read(ctx).Where("workspace_id = ? AND is_active AND "+column+" = ?", workspaceID, value).Take(row).Error
}

// ErrBusy means a row the work needs is held by another transaction: the work is tried again later.
var ErrBusy = errors.New("held by another transaction")

// lockWorkspaceNowait is lockWorkspace for work that holds other rows first: it fails with ErrBusy rather than
// wait, so that two transactions can't each wait for the other.
func (tx *Tx) lockWorkspaceNowait(workspaceID int64) error {
	if tx.s.Dialect != Postgres {
		return nil
	}
	err := tx.db.Exec("SELECT id FROM workspaces WHERE id = ? FOR UPDATE NOWAIT", workspaceID).Error
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55P03" { // lock_not_available
		return ErrBusy
	}
	return err
}

// IsDuplicate reports whether err is a unique constraint violation.
func IsDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// ErrNotFound is returned by lookups that match nothing.
var ErrNotFound = gorm.ErrRecordNotFound

// IsNotFound reports whether err means no row matched.
func IsNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the store's connections.
func (s *Store) Close() error { return Close(s.db) }

// Migrate applies every pending migration to the store's database and says how many it applied.
func (s *Store) Migrate(ctx context.Context) (int, error) { return Migrate(ctx, s.db, s.Dialect) }

// QueryKeys runs a query answering one integer column: the store's side of work.Querier.
func (r *Reader) QueryKeys(ctx context.Context, sql string, args ...any) ([]int64, error) {
	var keys []int64
	return keys, r.db.WithContext(ctx).Raw(sql, args...).Scan(&keys).Error
}
