package models

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Clock gives the current time. Tests pass a deterministic one.
type Clock func() time.Time

// UUIDGen makes a new UUID string. Tests pass a deterministic one.
type UUIDGen func() string

// RealClock is the wall clock, in UTC at the microsecond precision both databases store.
func RealClock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// RandomUUID makes a random (version 4) UUID.
func RandomUUID() string { return uuid.NewString() }

// Store is the database behind flowsd with the clock and UUID generator every write uses.
type Store struct {
	DB      *gorm.DB
	Dialect Dialect
	Now     Clock
	NewUUID UUIDGen

	// Limits overrides DefaultLimits, kind by kind.
	Limits map[string]int

	// Rules are the flow engine's rules for contacts (smart groups, name search), from package flows.
	Rules ContactRules

	principals     sync.Map // token hash -> *Principal, see Authenticate
	principalCount atomic.Int64

	// SQLite has one writer at a time; queuing writers of this process here keeps them from spinning on the
	// file lock. Other processes still queue on the busy timeout.
	writeMu sync.Mutex
}

// NewStore wraps an open database.
func NewStore(db *gorm.DB, dialect Dialect, clock Clock, uuids UUIDGen) *Store {
	if clock == nil {
		clock = RealClock
	}
	if uuids == nil {
		uuids = RandomUUID
	}
	return &Store{DB: db, Dialect: dialect, Now: clock, NewUUID: uuids}
}

// now is the store's clock in UTC at microsecond precision.
func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Read gives a handle for queries bound to ctx.
func (s *Store) Read(ctx context.Context) *gorm.DB { return s.DB.WithContext(ctx) }

// Write runs fn in one transaction: all of its writes land or none do.
func (s *Store) Write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.Dialect == SQLite {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	return s.DB.WithContext(ctx).Transaction(fn)
}

// lockWorkspace serializes writers that check a per-workspace limit before inserting, so two concurrent
// creates can't both pass the check. SQLite transactions are already exclusive.
func (s *Store) lockWorkspace(tx *gorm.DB, workspaceID int64) error {
	if s.Dialect != Postgres {
		return nil
	}
	return tx.Exec("SELECT id FROM workspaces WHERE id = ? FOR UPDATE", workspaceID).Error
}

// IsDuplicate reports whether err is a unique constraint violation.
func IsDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// ErrNotFound is returned by lookups that match nothing.
var ErrNotFound = gorm.ErrRecordNotFound

// IsNotFound reports whether err means no row matched.
func IsNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}
