// Package testdb gives tests real databases: a fresh, migrated SQLite file or PostgreSQL database per test,
// each cloned from a template migrated once per test process, run on every dialect (Each). It also gives the
// shared fixtures (fixture.go) and deterministic clocks and UUIDs.
//
// PostgreSQL is found at FLOWSD_TEST_POSTGRES (default: the local server on 127.0.0.1:5432). When none answers,
// PostgreSQL tests fail under CI=true and are skipped, loudly, elsewhere.
package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	_ "github.com/jackc/pgx/v5/stdlib" // the postgres driver gorm uses, for admin connections
	"gorm.io/gorm"
)

// DefaultPostgres is where tests look for PostgreSQL when FLOWSD_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresURL is the admin URL of the test PostgreSQL server.
func PostgresURL() string {
	if u := os.Getenv("FLOWSD_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

var (
	pgOnce      sync.Once
	pgErr       error
	pgTemplate  string
	sqliteOnce  sync.Once
	sqliteErr   error
	sqliteDir   string
	sqliteTmpl  string
	counter     atomic.Int64
	processName = fmt.Sprintf("flowsd_t%d_%d", os.Getpid(), time.Now().UnixNano()%100000)
)

// Dialects lists the databases every storage test runs on.
func Dialects() []models.Dialect { return []models.Dialect{models.SQLite, models.Postgres} }

// Each runs fn as a subtest on every dialect; a PostgreSQL subtest is skipped when no PostgreSQL answers (and
// fails under CI=true).
func Each(t *testing.T, fn func(t *testing.T, d models.Dialect)) { each(t.Run, fn) }

// EachB is Each for benchmarks.
func EachB(b *testing.B, fn func(b *testing.B, d models.Dialect)) { each(b.Run, fn) }

func each[T testing.TB](run func(string, func(T)) bool, fn func(T, models.Dialect)) {
	for _, d := range Dialects() {
		run(string(d), func(t T) {
			if d == models.Postgres {
				RequirePostgres(t)
			}
			fn(t, d)
		})
	}
}

// NewURL makes a fresh, migrated database for the test and gives its URL. The database is dropped when the
// test ends.
func NewURL(t testing.TB, dialect models.Dialect) string {
	t.Helper()
	switch dialect {
	case models.SQLite:
		return newSQLite(t)
	case models.Postgres:
		return newPostgres(t)
	}
	t.Fatalf("unknown dialect %q", dialect)
	return ""
}

// DB is a fresh migrated test database: its URL, a store on it, and a handle of the test's own for the rows
// and checks no store function is for (the store's handle is the store's).
type DB struct {
	Dialect models.Dialect
	URL     string
	Store   *models.Store
	Raw     *gorm.DB

	storeDB *gorm.DB // the store's own handle, for counting what it runs
}

// New makes a fresh migrated database and opens a store on it with the given clock and UUIDs (nil: real ones).
func New(t testing.TB, dialect models.Dialect, clock runtime.Clock, uuids runtime.UUIDGen) *DB {
	t.Helper()
	dbURL := NewURL(t, dialect)
	storeDB := Raw(t, dbURL)
	store := models.NewStore(storeDB, dialect, clock, uuids)
	return &DB{Dialect: dialect, URL: dbURL, Store: store, Raw: Raw(t, dbURL), storeDB: storeDB}
}

// CountQueries counts the statements the store runs from now on.
func (db *DB) CountQueries(t testing.TB) *atomic.Int64 {
	t.Helper()
	n := &atomic.Int64{}
	count := func(*gorm.DB) { n.Add(1) }
	cb := db.storeDB.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("testdb:count", count),
		cb.Row().After("gorm:row").Register("testdb:count", count),
		cb.Raw().After("gorm:raw").Register("testdb:count", count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// Raw opens a handle on a test database for the test's own queries, closed when the test ends.
func Raw(t testing.TB, dbURL string) *gorm.DB {
	t.Helper()
	db, _, err := models.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("opening test database: %v", err)
	}
	t.Cleanup(func() { models.Close(db) })
	return db
}

func newSQLite(t testing.TB) string {
	sqliteOnce.Do(func() {
		sqliteDir, sqliteErr = os.MkdirTemp("", "flowsd-testdb-")
		if sqliteErr != nil {
			return
		}
		sqliteTmpl = filepath.Join(sqliteDir, "template.db")
		sqliteErr = migrateURL("sqlite:" + sqliteTmpl)
		if sqliteErr == nil {
			// fold the WAL into the main file so that copying the file copies everything
			sqliteErr = checkpoint(sqliteTmpl)
		}
	})
	if sqliteErr != nil {
		t.Fatalf("preparing SQLite template: %v", sqliteErr)
	}
	path := filepath.Join(t.TempDir(), "test.db")
	if err := copyFile(sqliteTmpl, path); err != nil {
		t.Fatalf("copying SQLite template: %v", err)
	}
	return "sqlite:" + path
}

func checkpoint(path string) error {
	db, _, err := models.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		return err
	}
	defer models.Close(db)
	return db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func migrateURL(dbURL string) error {
	ctx := context.Background()
	db, dialect, err := models.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer models.Close(db)
	_, err = models.Migrate(ctx, db, dialect)
	return err
}

// PostgresAvailable reports whether the test PostgreSQL server answers, and why not.
func PostgresAvailable() error {
	pgOnce.Do(func() {
		admin, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			pgErr = err
			return
		}
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if pgErr = admin.PingContext(ctx); pgErr != nil {
			return
		}
		pgTemplate = processName + "_tmpl"
		if _, pgErr = admin.ExecContext(ctx, "CREATE DATABASE "+pgTemplate); pgErr != nil {
			return
		}
		pgErr = migrateURL(withDatabase(PostgresURL(), pgTemplate))
	})
	return pgErr
}

// RequirePostgres skips the test when PostgreSQL is missing, or fails it under CI=true.
func RequirePostgres(t testing.TB) {
	t.Helper()
	if err := PostgresAvailable(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true but %s does not answer: %v", redact(PostgresURL()), err)
		}
		t.Skipf("SKIPPING PostgreSQL: %s does not answer (%v). Set FLOWSD_TEST_POSTGRES or run ./scripts/test", redact(PostgresURL()), err)
	}
}

func newPostgres(t testing.TB) string {
	t.Helper()
	RequirePostgres(t)
	return createPostgres(t, "TEMPLATE "+pgTemplate)
}

// NewEmptyURL makes an empty database, not migrated, for tests of what migrates it. SQLite's is a path to
// a file that doesn't exist yet.
func NewEmptyURL(t testing.TB, dialect models.Dialect) string {
	t.Helper()
	if dialect == models.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "empty.db")
	}
	RequirePostgres(t)
	return createPostgres(t, "")
}

func createPostgres(t testing.TB, options string) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d", processName, counter.Add(1))
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " " + options); err != nil {
		t.Fatalf("creating PostgreSQL database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(name) })
	return withDatabase(PostgresURL(), name)
}

func dropDatabase(name string) {
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		return
	}
	defer admin.Close()
	admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
}

// Cleanup removes the templates this process made. Call it from TestMain after the tests ran.
func Cleanup() {
	if pgTemplate != "" {
		dropDatabase(pgTemplate)
	}
	if sqliteDir != "" {
		os.RemoveAll(sqliteDir)
	}
}

// Main runs a package's tests and then removes the templates.
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

func withDatabase(adminURL, dbName string) string {
	u, err := url.Parse(adminURL)
	if err != nil {
		return adminURL
	}
	u.Path = "/" + dbName
	return u.String()
}

func redact(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	return parsed.Redacted()
}

// UUIDSeq gives readable, valid version-4 UUIDs in sequence: 00000000-0000-4000-8000-000000000001, …
type UUIDSeq struct{ n atomic.Int64 }

// Next is the next UUID.
func (s *UUIDSeq) Next() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.n.Add(1)) }

// Skip moves the sequence on so that the next UUID ends in n.
func (s *UUIDSeq) Skip(n int64) { s.n.Store(n - 1) }

// Clock is a deterministic clock that moves on by Step every time it is read.
type Clock struct {
	mu   sync.Mutex
	now  time.Time
	Step time.Duration
}

// NewClock starts a clock at start.
func NewClock(start time.Time, step time.Duration) *Clock {
	return &Clock{now: start.UTC(), Step: step}
}

// Now reads the clock, then moves it on.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(c.Step)
	return t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t.UTC()
}
