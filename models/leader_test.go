package models_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/work"
)

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
