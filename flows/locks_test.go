package flows

import (
	"errors"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"gorm.io/gorm"
)

// TestContactLocks: a contact's lock is held by one at a time, waited for up to a limit, and given back; on
// PostgreSQL the locks a start batch's transaction takes are the same locks, gone when it ends.
func TestContactLocks(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			e := newHostEnv(t, d)
			locks := e.host.Locks
			release, err := locks.Lock(e.ctx, []int64{7, 3}, time.Second)
			must(t, err)
			if _, err := locks.Lock(e.ctx, []int64{5, 3}, 50*time.Millisecond); !errors.Is(err, ErrLockTimeout) {
				t.Fatalf("a held lock was taken again: %v", err)
			}
			free, err := locks.Lock(e.ctx, []int64{5}, 50*time.Millisecond)
			must(t, err)
			free()

			// a waiter gets the lock once it is given back
			got := make(chan error, 1)
			go func() {
				again, err := locks.Lock(e.ctx, []int64{3}, 5*time.Second)
				if err == nil {
					again()
				}
				got <- err
			}()
			time.Sleep(50 * time.Millisecond)
			release()
			must(t, <-got)

			if d != models.Postgres {
				return
			}
			held, err := locks.Lock(e.ctx, []int64{9}, time.Second)
			must(t, err)
			err = e.store.DB.Transaction(func(tx *gorm.DB) error { return locks.LockTx(e.ctx, tx, []int64{8, 9}, 50*time.Millisecond) })
			if !errors.Is(err, ErrLockTimeout) {
				t.Fatalf("a transaction took a held lock: %v", err)
			}
			held()
			must(t, e.store.DB.Transaction(func(tx *gorm.DB) error {
				if err := locks.LockTx(e.ctx, tx, []int64{8, 9}, time.Second); err != nil {
					return err
				}
				if _, err := locks.Lock(e.ctx, []int64{9}, 50*time.Millisecond); !errors.Is(err, ErrLockTimeout) {
					t.Errorf("a transaction's lock was taken from it: %v", err)
				}
				return nil
			}))
			after, err := locks.Lock(e.ctx, []int64{8, 9}, 50*time.Millisecond)
			must(t, err) // the transaction ended: its locks went with it
			after()
		})
	}
}
