package models_test

import (
	"context"
	"errors"
	"testing"

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
