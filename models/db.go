// Package models is flowsd's storage: GORM models, and every query and transaction on them, one file per table
// family. Every query on workspace data is scoped by workspace when it is made (the query builders take the
// workspace first). Nothing here knows about HTTP or the API's JSON shapes, and nothing outside this package
// (and testdb) sees GORM or which database it is on. Columns are named as GORM names fields (WorkspaceID is
// workspace_id); a tag says so only where a column is named otherwise.
package models

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/flowsd/flowsd/runtime"
	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the kind of database behind a store.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// ParseURL splits a database URL into its dialect and the DSN its driver takes. Accepted forms are
// postgres://… (or postgresql://…) and sqlite:PATH (sqlite::memory: for a private in-memory database).
func ParseURL(dbURL string) (Dialect, string, error) {
	switch {
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return Postgres, dbURL, nil
	case strings.HasPrefix(dbURL, "sqlite:"):
		path := strings.TrimPrefix(dbURL, "sqlite:")
		path = strings.TrimPrefix(path, "//") // tolerate sqlite://path
		if path == "" {
			return "", "", fmt.Errorf("database URL %q has no file path (use sqlite:flowsd.db)", dbURL)
		}
		return SQLite, sqliteDSN(path), nil
	}
	return "", "", fmt.Errorf("unsupported database URL %q: use postgres://… or sqlite:PATH", dbURL)
}

// sqliteDSN adds the pragmas flowsd relies on: WAL so readers never wait for the writer, a busy timeout so
// several processes on one file queue rather than fail, foreign keys, and IMMEDIATE transactions so a write
// transaction takes the write lock up front instead of failing half-way when another writer got there first.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	if path != ":memory:" {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return "file:" + path + sep + q.Encode()
}

// Open connects to the database at dbURL and checks that it answers.
func Open(ctx context.Context, dbURL string) (*gorm.DB, Dialect, error) {
	dialect, dsn, err := ParseURL(dbURL)
	if err != nil {
		return nil, "", err
	}

	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		TranslateError:         true,
		SkipDefaultTransaction: true,
		PrepareStmt:            true, // statements are parsed once per connection, not once per query
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}

	var db *gorm.DB
	switch dialect {
	case Postgres:
		db, err = gorm.Open(postgres.Open(dsn), cfg)
	case SQLite:
		db, err = gorm.Open(sqlite.Open(dsn), cfg)
	}
	if err != nil {
		return nil, "", fmt.Errorf("opening %s database: %w", dialect, err)
	}

	sqlDB, err := db.DB()
	if err != nil {
		return nil, "", err
	}
	configurePool(sqlDB, dialect, dsn)

	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, "", fmt.Errorf("connecting to %s database: %w", dialect, err)
	}
	return db, dialect, nil
}

func configurePool(sqlDB *sql.DB, dialect Dialect, dsn string) {
	switch dialect {
	case Postgres:
		sqlDB.SetMaxOpenConns(25)
		sqlDB.SetMaxIdleConns(25)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	case SQLite:
		if strings.HasPrefix(dsn, "file::memory:") {
			// every connection to :memory: is its own database, so there must be exactly one
			sqlDB.SetMaxOpenConns(1)
		} else {
			sqlDB.SetMaxOpenConns(8)
			sqlDB.SetMaxIdleConns(8)
		}
		sqlDB.SetConnMaxLifetime(0)
	}
}

// OpenStore connects to the database at dbURL and opens a store on it.
func OpenStore(ctx context.Context, dbURL string, clock runtime.Clock, uuids runtime.UUIDGen) (*Store, error) {
	db, dialect, err := Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	return NewStore(db, dialect, clock, uuids), nil
}

// Close closes the database's connections.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
