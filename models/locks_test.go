package models_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

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
