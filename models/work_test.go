package models_test

// The store's side of background work: claims, signals after commit, contacts' locks held by batches, and the
// leaders of crons.

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/work"
)

// pending reports whether a kind's wake-up is pending, taking it.
func pending(s *work.Signals, kind work.Kind) bool {
	select {
	case <-s.C(kind):
		return true
	default:
		return false
	}
}

// TestSignalsAfterCommit: what a transaction signals wakes workers once it has committed, and never when it
// rolls back; the writes that make work signal it themselves, so no caller can forget.
func TestSignalsAfterCommit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		store := testdb.New(t, d, nil, nil).Store
		signals := work.NewSignals()
		store.Signals = signals
		ws, _ := testdb.Workspace(t, store, testdb.Nyaruka)

		must(t, store.Write(ctx, func(tx *models.Tx) error {
			tx.Signal(models.WorkStarts)
			if pending(signals, models.WorkStarts) {
				t.Error("signalled before the commit")
			}
			return nil
		}))
		if !pending(signals, models.WorkStarts) {
			t.Error("not signalled after the commit")
		}
		failed := errors.New("no")
		if err := store.Write(ctx, func(tx *models.Tx) error { tx.Signal(models.WorkStarts); return failed }); !errors.Is(err, failed) {
			t.Fatal(err)
		}
		if pending(signals, models.WorkStarts) {
			t.Error("a rolled back transaction signalled")
		}

		if _, err := store.CreateSmartGroup(ctx, ws.ID, "Adults", "name ~ a"); err != nil {
			t.Fatal(err)
		}
		if !pending(signals, models.WorkGroups) {
			t.Error("a new smart group didn't wake the group workers")
		}
		if _, err := store.CreateGroup(ctx, ws.ID, "Manual"); err != nil {
			t.Fatal(err)
		}
		if pending(signals, models.WorkGroups) {
			t.Error("a manual group woke the group workers")
		}
	})
}

// TestClaimLost: on SQLite a batch's write marks its claimed rows in the same transaction; rows someone else
// marked first (another process on the file) make the write fail and write nothing. On PostgreSQL the claim
// itself marked them, in the transaction it holds.
func TestClaimLost(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		db := testdb.New(t, d, nil, nil)
		store := db.Store
		ws, _ := testdb.Workspace(t, store, testdb.Nyaruka)
		var ids []int64
		for range 3 {
			c, err := store.CreateContact(ctx, ws, models.ContactSpec{})
			must(t, err)
			ids = append(ids, c.ID)
		}
		must(t, db.Raw.Exec("INSERT INTO flows (uuid, workspace_id, name, flow_type, spec_version, revision, definition, expires_minutes, is_archived, is_active, created_on, modified_on) VALUES ('f0000000-0000-4000-8000-000000000001', ?, 'F', 'message', '13.1.0', 1, '{}', 0, FALSE, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", ws.ID).Error)
		var flowID int64
		must(t, db.Raw.Raw("SELECT id FROM flows WHERE workspace_id = ?", ws.ID).Scan(&flowID).Error)
		start := &models.FlowStart{WorkspaceID: ws.ID, FlowID: flowID, StartType: models.StartTypeAPI, Status: models.StartQueued, Params: "{}", ContactCount: 3}
		must(t, store.Write(ctx, func(tx *models.Tx) error { return tx.InsertFlowStart(start, nil, nil) }))
		for _, id := range ids {
			must(t, db.Raw.Exec("INSERT INTO flow_start_recipients (start_id, contact_id, started) VALUES (?, ?, FALSE)", start.ID, id).Error)
		}

		n, err := store.ClaimRecipients(ctx, start.ID, 2, func(b *models.Batch) error {
			if d == models.SQLite {
				// someone else starts one of them while this batch works
				must(t, db.Raw.Exec("UPDATE flow_start_recipients SET started = TRUE WHERE start_id = ? AND contact_id = ?", start.ID, b.Keys[1]).Error)
			}
			return b.Write(ctx, func(tx *models.Tx) error { return tx.MarkStartStarted(start.ID) })
		})
		var left int64
		must(t, db.Raw.Raw("SELECT COUNT(*) FROM flow_start_recipients WHERE start_id = ? AND NOT started", start.ID).Scan(&left).Error)
		got, err2 := store.FlowStart(ctx, start.ID)
		must(t, err2)
		if d == models.SQLite {
			if !errors.Is(err, models.ErrClaimLost) || left != 2 || got.Status != models.StartQueued {
				t.Errorf("a lost batch: %v, %d left, start %s; want ErrClaimLost, 2 left (its first not marked), queued", err, left, got.Status)
			}
			return
		}
		if err != nil || n != 2 || left != 1 || got.Status != models.StartStarted {
			t.Errorf("a batch: %v, %d claimed, %d left, start %s", err, n, left, got.Status)
		}
	})
}

// TestContactLocks: a contact's lock is held by one at a time, waited for up to a limit, and given back; the
// locks a claimed batch takes (for its transaction on PostgreSQL) are the same locks, gone when it ends, and
// trying them takes only the free ones.
func TestContactLocks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		store := testdb.New(t, d, nil, nil).Store
		locks := store.Locks
		release, err := locks.Lock(ctx, []int64{7, 3}, time.Second)
		must(t, err)
		if _, err := locks.Lock(ctx, []int64{5, 3}, 50*time.Millisecond); !errors.Is(err, models.ErrLockTimeout) {
			t.Fatalf("a held lock was taken again: %v", err)
		}
		free, err := locks.Lock(ctx, []int64{5}, 50*time.Millisecond)
		must(t, err)
		free()

		// a waiter gets the lock once it is given back
		got := make(chan error, 1)
		go func() {
			again, err := locks.Lock(ctx, []int64{3}, 5*time.Second)
			if err == nil {
				again()
			}
			got <- err
		}()
		time.Sleep(50 * time.Millisecond)
		release()
		must(t, <-got)

		// a batch to hold locks in: a smart group waiting to be evaluated
		ws, _ := testdb.Workspace(t, store, testdb.Nyaruka)
		_, err = store.CreateSmartGroup(ctx, ws.ID, "Any", "name ~ x")
		must(t, err)
		held, err := locks.Lock(ctx, []int64{9}, time.Second)
		must(t, err)
		_, err = store.ClaimEvaluatingGroups(ctx, 1, func(b *models.Batch) error {
			return b.LockContacts(ctx, []int64{8, 9}, 50*time.Millisecond)
		})
		if !errors.Is(err, models.ErrLockTimeout) {
			t.Errorf("a batch took a held lock: %v", err)
		}
		_, err = store.ClaimEvaluatingGroups(ctx, 1, func(b *models.Batch) error {
			taken, err := b.TryLockContacts(ctx, []int64{8, 9, 10})
			if err != nil || !slices.Equal(taken, []int64{8, 10}) {
				t.Errorf("trying took %v (%v), want the free 8 and 10", taken, err)
			}
			return err
		})
		must(t, err)
		held()
		_, err = store.ClaimEvaluatingGroups(ctx, 1, func(b *models.Batch) error {
			if err := b.LockContacts(ctx, []int64{8, 9}, time.Second); err != nil {
				return err
			}
			if _, err := locks.Lock(ctx, []int64{9}, 50*time.Millisecond); !errors.Is(err, models.ErrLockTimeout) {
				t.Errorf("a batch's lock was taken from it: %v", err)
			}
			return nil
		})
		must(t, err)
		after, err := locks.Lock(ctx, []int64{8, 9, 10}, 50*time.Millisecond)
		must(t, err) // the batches ended: their locks went with them
		after()
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestLeader: one process at a time leads a cron of a name; when it lets go, another can lead. On PostgreSQL
// the processes are two stores on one database, as two flowsd processes are.
func TestLeader(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		db := testdb.New(t, d, nil, nil)
		first, second := db.Store.Leader(), db.Store.Leader() // SQLite: one process, one leader
		if d == models.Postgres {
			other, err := models.OpenStore(ctx, db.URL, nil, nil)
			must(t, err)
			t.Cleanup(func() { other.Close() })
			second = other.Leader()
		}
		release, ok, err := first.Lead(ctx, "archives")
		must(t, err)
		if !ok {
			t.Fatal("the first to ask doesn't lead")
		}
		if _, ok, err := second.Lead(ctx, "archives"); err != nil || ok {
			t.Fatalf("a second leader of one name: %v %v", ok, err)
		}
		otherName, ok, err := second.Lead(ctx, "reports")
		must(t, err)
		if !ok {
			t.Fatal("another name has its own leader")
		}
		otherName()
		release()
		again, ok, err := second.Lead(ctx, "archives")
		must(t, err)
		if !ok {
			t.Fatal("no one leads once the leader let go")
		}
		again()
	})
}

// TestCronOneLeader: two processes run the same cron on one PostgreSQL database; only one runs its job at each
// tick, and when it stops the other takes over.
func TestCronOneLeader(t *testing.T) {
	testdb.RequirePostgres(t)
	ctx := context.Background()
	db := testdb.New(t, models.Postgres, nil, nil)
	other, err := models.OpenStore(ctx, db.URL, nil, nil)
	must(t, err)
	t.Cleanup(func() { other.Close() })

	var running, overlaps atomic.Int32
	ran := [2]atomic.Int32{}
	job := func(i int) func(context.Context) error {
		return func(context.Context) error {
			if running.Add(1) > 1 {
				overlaps.Add(1)
			}
			ran[i].Add(1)
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			return nil
		}
	}
	ctxs := [2]context.Context{}
	stops := [2]context.CancelFunc{}
	var wg sync.WaitGroup
	for i, store := range []*models.Store{db.Store, other} {
		ctxs[i], stops[i] = context.WithCancel(ctx)
		c := &work.Cron{Name: "report", Every: 20 * time.Millisecond, Job: job(i), Leader: store.Leader()}
		wg.Add(1)
		go func() { defer wg.Done(); c.Run(ctxs[i]) }()
	}
	waitUntil(t, func() bool { return ran[0].Load()+ran[1].Load() >= 5 })
	leader := 0
	if ran[1].Load() > ran[0].Load() {
		leader = 1
	}
	if ran[1-leader].Load() != 0 {
		t.Errorf("both processes ran the job: %d and %d", ran[0].Load(), ran[1].Load())
	}
	stops[leader]()
	before := ran[1-leader].Load()
	waitUntil(t, func() bool { return ran[1-leader].Load() > before+2 })
	stops[1-leader]()
	wg.Wait()
	if overlaps.Load() > 0 {
		t.Errorf("the job ran %d times beside itself", overlaps.Load())
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
