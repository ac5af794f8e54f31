package work_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"  // driver "sqlite"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/work"
)

// querier is the test's Querier over a *sql.DB or *sql.Tx, rebinding ? to $n for PostgreSQL.
type querier struct {
	q interface {
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
	pg bool
}

func (q querier) QueryKeys(ctx context.Context, query string, args ...any) ([]int64, error) {
	if q.pg {
		query = rebind(query)
	}
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

func rebind(query string) string {
	var sb strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			sb.WriteString("$" + strconv.Itoa(n))
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// itemsDB opens a fresh database of the dialect holding rows items 1..n, in batches by id % batches + 1.
func itemsDB(t *testing.T, dialect models.Dialect, n, batches int) *sql.DB {
	t.Helper()
	d, dsn, err := models.ParseURL(testdb.NewURL(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	driver := map[models.Dialect]string{models.Postgres: "pgx", models.SQLite: "sqlite"}[d]
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	exec(t, db, d, "CREATE TABLE items (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, done BOOLEAN NOT NULL DEFAULT FALSE)")
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := tx.Exec(bind(d, "INSERT INTO items (id, batch) VALUES (?, ?)"), i, i%batches+1); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return db
}

func bind(d models.Dialect, query string) string {
	if d == models.Postgres {
		return rebind(query)
	}
	return query
}

func exec(t *testing.T, db *sql.DB, d models.Dialect, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(bind(d, query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func begin(t *testing.T, db *sql.DB) *sql.Tx {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// doneKeys are the ids of the items marked done.
func doneKeys(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	keys, err := querier{q: db}.QueryKeys(context.Background(), "SELECT id FROM items WHERE done ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func span(from, to int64) []int64 {
	var s []int64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// checkCover checks that the claims got every item exactly once, each from the batch it asked for.
func checkCover(t *testing.T, claimed map[int64]int, n, batches int) {
	t.Helper()
	if len(claimed) != n {
		t.Fatalf("%d distinct items claimed, want %d", len(claimed), n)
	}
	for k, b := range claimed {
		if k < 1 || k > int64(n) || int(k)%batches+1 != b {
			t.Fatalf("item %d claimed from batch %d", k, b)
		}
	}
}

const where = "batch = ? AND NOT done"

func TestClaimPostgresConcurrent(t *testing.T) {
	const n, batches, workers, size = 600, 3, 8, 7
	db := itemsDB(t, models.Postgres, n, batches)
	c := &work.Claimer{Table: "items", Key: "id", Set: "done = TRUE", SkipLocked: true}
	ctx := context.Background()

	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// each worker goes round the batches, starting from its own, until all are empty
			for empty := 0; empty < batches; {
				empty = 0
				for b := range batches {
					batch := (w+b)%batches + 1
					tx, err := db.Begin()
					if err != nil {
						t.Error(err)
						return
					}
					keys, release, err := c.Claim(ctx, querier{q: tx, pg: true}, where, []any{batch}, size)
					if err == nil {
						err = tx.Commit()
					} else {
						tx.Rollback()
					}
					release()
					if err != nil {
						t.Error(err)
						return
					}
					if !slices.IsSorted(keys) || len(keys) > size {
						t.Errorf("claimed %v: not sorted, or more than %d", keys, size)
					}
					if len(keys) == 0 {
						empty++
					}
					mu.Lock()
					for _, k := range keys {
						if prev, dup := claimed[k]; dup {
							t.Errorf("item %d claimed twice (batches %d and %d)", k, prev, batch)
						}
						claimed[k] = batch
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	checkCover(t, claimed, n, batches)
	if got := len(doneKeys(t, db)); got != n {
		t.Fatalf("%d items done, want %d", got, n)
	}
}

func TestClaimPostgresRollbackAndHeld(t *testing.T) {
	db := itemsDB(t, models.Postgres, 10, 1)
	c := &work.Claimer{Table: "items", Key: "id", Order: "id DESC", Set: "done = TRUE", SkipLocked: true}
	ctx := context.Background()
	claim := func(tx *sql.Tx, n int) []int64 {
		t.Helper()
		keys, release, err := c.Claim(ctx, querier{q: tx, pg: true}, where, []any{1}, n)
		if err != nil {
			t.Fatal(err)
		}
		release()
		return keys
	}

	// a claim rolled back claimed nothing
	tx := begin(t, db)
	if got := claim(tx, 3); !slices.Equal(got, []int64{8, 9, 10}) {
		t.Fatalf("first claim (newest first) got %v", got)
	}
	tx.Rollback()
	if done := doneKeys(t, db); len(done) != 0 {
		t.Fatalf("rolled-back claim left %v done", done)
	}

	// so it is there to claim again; and while that claim is held open, others pass its rows by
	held := begin(t, db)
	if got := claim(held, 3); !slices.Equal(got, []int64{8, 9, 10}) {
		t.Fatalf("claim after the rollback got %v", got)
	}
	other := begin(t, db)
	if got := claim(other, 3); !slices.Equal(got, []int64{5, 6, 7}) {
		t.Fatalf("claim beside the held one got %v", got)
	}
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}

	// the held claim's transaction fails: its rows go to the next claim, the committed ones don't
	held.Rollback()
	tx = begin(t, db)
	if got := claim(tx, 100); !slices.Equal(got, []int64{1, 2, 3, 4, 8, 9, 10}) {
		t.Fatalf("claim after the held one rolled back got %v", got)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if done := doneKeys(t, db); !slices.Equal(done, span(1, 10)) {
		t.Fatalf("done %v, want all", done)
	}
	tx = begin(t, db)
	if got := claim(tx, 3); len(got) != 0 {
		t.Fatalf("claimed %v with nothing left", got)
	}
	tx.Rollback()
}

func TestClaimPostgresLockOnly(t *testing.T) {
	// with no Set, the claim only locks: the caller updates the rows itself, in the same transaction
	db := itemsDB(t, models.Postgres, 6, 1)
	c := &work.Claimer{Table: "items", Key: "id", SkipLocked: true}
	ctx := context.Background()
	a, b := begin(t, db), begin(t, db)
	defer a.Rollback()
	defer b.Rollback()
	ka, _, err := c.Claim(ctx, querier{q: a, pg: true}, where, []any{1}, 4)
	if err != nil || !slices.Equal(ka, []int64{1, 2, 3, 4}) {
		t.Fatalf("first lock: %v %v", ka, err)
	}
	kb, _, err := c.Claim(ctx, querier{q: b, pg: true}, where, []any{1}, 4)
	if err != nil || !slices.Equal(kb, []int64{5, 6}) {
		t.Fatalf("second lock: %v %v", kb, err)
	}
	if done := doneKeys(t, db); len(done) != 0 {
		t.Fatalf("a lock-only claim changed rows: %v", done)
	}
}

func TestClaimSQLiteConcurrent(t *testing.T) {
	const n, batches, workers, size = 300, 3, 8, 7
	db := itemsDB(t, models.SQLite, n, batches)
	// Set is given, as the same Claimer would be on PostgreSQL: without SkipLocked it's not used
	c := &work.Claimer{Table: "items", Key: "id", Set: "done = TRUE"}
	ctx := context.Background()

	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for empty := 0; empty < batches; {
				empty = 0
				for b := range batches {
					batch := (w+b)%batches + 1
					keys, release, err := c.Claim(ctx, querier{q: db}, where, []any{batch}, size)
					if err != nil {
						t.Error(err)
						return
					}
					if len(keys) == 0 {
						empty++
					}
					mu.Lock()
					for _, k := range keys {
						if prev, dup := claimed[k]; dup {
							t.Errorf("item %d claimed twice (batches %d and %d)", k, prev, batch)
						}
						claimed[k] = batch
					}
					mu.Unlock()
					err = markDone(db, keys)
					release() // after the write committed (or failed)
					if err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	checkCover(t, claimed, n, batches)
	if got := len(doneKeys(t, db)); got != n {
		t.Fatalf("%d items done, want %d", got, n)
	}
	if c.InFlight() != 0 {
		t.Fatalf("%d keys still in flight", c.InFlight())
	}
}

// markDone is the caller's own write transaction in SQLite mode.
func markDone(db *sql.DB, keys []int64) error {
	if len(keys) == 0 {
		return nil
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	q := fmt.Sprintf("UPDATE items SET done = TRUE WHERE id IN (?%s)", strings.Repeat(", ?", len(keys)-1))
	if _, err := tx.Exec(q, args...); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func TestClaimSQLiteInFlight(t *testing.T) {
	db := itemsDB(t, models.SQLite, 10, 1)
	c := &work.Claimer{Table: "items", Key: "id", Set: "done = TRUE"}
	ctx := context.Background()
	q := querier{q: db}
	claim := func(n int) ([]int64, func()) {
		t.Helper()
		keys, release, err := c.Claim(ctx, q, where, []any{1}, n)
		if err != nil {
			t.Fatal(err)
		}
		return keys, release
	}

	k1, r1 := claim(3)
	if !slices.Equal(k1, []int64{1, 2, 3}) || c.InFlight() != 3 {
		t.Fatalf("first claim %v, %d in flight", k1, c.InFlight())
	}
	if done := doneKeys(t, db); len(done) != 0 {
		t.Fatalf("the claim wrote: %v done", done)
	}
	k2, r2 := claim(3)
	if !slices.Equal(k2, []int64{4, 5, 6}) || c.InFlight() != 6 {
		t.Fatalf("second claim %v, %d in flight", k2, c.InFlight())
	}

	// released without being marked done (the work failed): the keys are claimable again
	r1()
	r1() // releasing twice is harmless
	if c.InFlight() != 3 {
		t.Fatalf("%d in flight after a release, want 3", c.InFlight())
	}
	if k, r := claim(3); !slices.Equal(k, []int64{1, 2, 3}) {
		t.Fatalf("claim after the release got %v", k)
	} else {
		if err := markDone(db, k); err != nil {
			t.Fatal(err)
		}
		r()
	}

	// marked done and released: gone for good; still in flight: passed by
	if k, r := claim(100); !slices.Equal(k, []int64{7, 8, 9, 10}) {
		t.Fatalf("claim beside the one in flight got %v", k)
	} else {
		r()
	}
	r2()
	if k, r := claim(100); !slices.Equal(k, []int64{4, 5, 6, 7, 8, 9, 10}) || c.InFlight() != 7 {
		t.Fatalf("claim of all that's left got %v, %d in flight", k, c.InFlight())
	} else {
		r()
	}
	if k, _ := claim(0); k != nil || c.InFlight() != 0 {
		t.Fatalf("a claim of none got %v, %d in flight", k, c.InFlight())
	}
}

// TestLease: on both databases, concurrent leases never hand out a row twice; a lease held keeps its rows from
// others after its transaction committed; a lease run out lets them be leased again.
func TestLease(t *testing.T) {
	for _, d := range []models.Dialect{models.SQLite, models.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			db := itemsDB(t, d, 200, 1)
			exec(t, db, d, "ALTER TABLE items ADD COLUMN leased_until "+map[models.Dialect]string{models.Postgres: "TIMESTAMPTZ", models.SQLite: "DATETIME"}[d])
			l := &work.Lease{Table: "items", Key: "id", Until: "leased_until", SkipLocked: d == models.Postgres}
			ctx := context.Background()
			lease := func(n int, now, until int64) []int64 {
				tx, err := db.Begin()
				if err != nil {
					t.Fatal(err)
				}
				keys, err := l.Claim(ctx, querier{q: tx, pg: d == models.Postgres}, "NOT done", nil, n, time0(now), time0(until))
				if err != nil {
					tx.Rollback()
					t.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				return keys
			}
			if d == models.SQLite {
				db.SetMaxOpenConns(1) // SQLite's writers take turns: this process's as flowsd's do
			}
			var mu sync.Mutex
			got := map[int64]int{}
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for {
						keys := lease(7, 100, 200)
						if len(keys) == 0 {
							return
						}
						mu.Lock()
						for _, k := range keys {
							got[k]++
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(got) != 200 {
				t.Fatalf("%d rows leased, want 200", len(got))
			}
			for k, n := range got {
				if n != 1 {
					t.Fatalf("row %d leased %d times", k, n)
				}
			}
			if keys := lease(10, 150, 300); len(keys) != 0 {
				t.Fatalf("leased %v while their leases run", keys)
			}
			if keys := lease(10, 200, 300); len(keys) != 10 {
				t.Fatalf("leased %d once the leases ran out, want 10", len(keys))
			}
		})
	}
}

// time0 is a moment n seconds into the tests' day, in UTC as flowsd stores times.
func time0(n int64) time.Time { return time.Unix(1_700_000_000+n, 0).UTC() }
