package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/excellent/types"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/triggers"
	"gorm.io/gorm"
)

// StartWorkers work flow starts: any number of them, in any number of processes on one database, share the
// work without starting anyone twice (see models/start_work.go).
type StartWorkers struct {
	Host      *Host
	BatchSize int           // contacts started per transaction
	Poll      time.Duration // how often the database is looked at for work nobody woke us for

}

// Run works starts until ctx ends, waking early when told there is work.
func (w *StartWorkers) Run(ctx context.Context, wake <-chan struct{}) error {
	for ctx.Err() == nil {
		worked, err := w.WorkOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Host.Log.Error("working flow starts", "error", err)
		}
		if worked && err == nil {
			// there may be more than one worker's worth: wake a sibling, who wakes the next if they find work too
			if w.Host.Wake != nil {
				w.Host.Wake("starts")
			}
			continue
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-time.After(w.Poll):
		}
	}
	return nil
}

// WorkOnce resolves one pending start, or starts batches of a queued one for a while. It reports whether
// there was anything to do.
func (w *StartWorkers) WorkOnce(ctx context.Context) (bool, error) {
	defer w.Host.wakeWorkers()
	if worked, err := w.resolveOne(ctx); worked || err != nil {
		return worked, err
	}
	queued, err := w.Host.Store.QueuedStarts(ctx)
	if err != nil {
		return false, err
	}
	for _, start := range queued {
		worked, err := w.stint(ctx, start)
		if worked || err != nil {
			return worked, err
		}
	}
	return false, nil
}

// stintLength is how long a worker stays with one start before looking for other work (new starts are
// resolved promptly, and several starts progress side by side).
const stintLength = time.Second

// stint starts batches of a start until it runs out of recipients or the stint is over.
func (w *StartWorkers) stint(ctx context.Context, start *models.FlowStart) (bool, error) {
	ws, err := w.Host.Store.GetWorkspaceByID(ctx, start.WorkspaceID)
	if err != nil {
		return false, err
	}
	worked := false
	for began := time.Now(); time.Since(began) < stintLength; {
		did, err := w.batch(ctx, ws, start)
		if errors.Is(err, errStartFailed) {
			return true, nil
		}
		if err != nil || !did {
			return worked, err
		}
		worked = true
		start.Status = models.StartStarted
	}
	return worked, nil
}

// resolveOne turns a pending start into recipients.
func (w *StartWorkers) resolveOne(ctx context.Context) (bool, error) {
	h := w.Host
	var pending []*models.FlowStart
	if err := h.Store.Read(ctx).Where("status = ?", models.StartPending).Order("id").Limit(5).Find(&pending).Error; err != nil {
		return false, err
	}
	for _, start := range pending {
		// RapidPro takes starts of archived flows and then starts nobody: the start fails
		var flow models.Flow
		if err := h.Store.Read(ctx).Take(&flow, start.FlowID).Error; err != nil {
			return false, err
		}
		if !flow.IsActive || flow.IsArchived {
			return true, h.Store.FailStart(ctx, start.ID)
		}
		var query *models.Condition
		if start.Query != nil && *start.Query != "" {
			ws, err := h.Store.GetWorkspaceByID(ctx, start.WorkspaceID)
			if err != nil {
				return false, err
			}
			parsed, err := ParseQuery(ctx, h.Store, ws, *start.Query)
			if err == nil {
				var cond models.Condition
				if cond, err = parsed.Condition(); err == nil {
					query = &cond
				}
			}
			if err != nil {
				h.Log.Warn("flow start has a query that no longer works", "start", start.UUID, "error", err)
				return true, h.Store.FailStart(ctx, start.ID)
			}
		}
		resolved := false
		err := w.inTx(ctx, func(tx *gorm.DB) error {
			locked, err := h.Store.LockPendingStart(tx, start.ID)
			if err != nil || locked == nil {
				return err // someone else has it
			}
			resolved = true
			_, err = h.Store.ResolveStart(tx, locked, query)
			return err
		})
		if err != nil || resolved {
			if err == nil && h.Store.Dialect == models.Postgres {
				// a start's recipients arrive all at once: without fresh statistics the planner would sort
				// every recipient left for each batch instead of reading the next few off the index
				err = h.Store.DB.WithContext(ctx).Exec("ANALYZE flow_start_recipients").Error
			}
			return resolved, err
		}
	}
	return false, nil
}

// inTx runs fn in a transaction: on PostgreSQL a plain one, so rows it locks stay locked while the engine
// runs; on SQLite the store's write transaction.
func (w *StartWorkers) inTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if w.Host.Store.Dialect == models.Postgres {
		return w.Host.Store.DB.WithContext(ctx).Transaction(fn)
	}
	return w.Host.Store.Write(ctx, fn)
}

// errBatchLost means other workers started some of a batch's contacts first; nothing of it was written.
var errBatchLost = errors.New("batch lost to another worker")

// errStartFailed means the start was marked failed: the batch writes nothing, and the stint is over.
var errStartFailed = errors.New("flow start failed")

// failStart marks a start that can't go on failed, and says so with errStartFailed.
func (w *StartWorkers) failStart(ctx context.Context, start *models.FlowStart, why string, cause error) error {
	w.Host.Log.Warn("flow start failed", "start", start.UUID, "why", why, "error", cause)
	if err := w.Host.Store.FailStart(ctx, start.ID); err != nil {
		return err // the database's trouble: the start is tried again later
	}
	return errStartFailed
}

// batch starts the next few recipients of a start.
func (w *StartWorkers) batch(ctx context.Context, ws *models.Workspace, start *models.FlowStart) (bool, error) {
	h := w.Host
	if h.Store.Dialect == models.Postgres {
		// the claimed recipients stay locked to this transaction until their sessions are written
		worked := false
		err := h.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			ids, err := h.Store.ClaimRecipients(tx, start.ID, w.BatchSize, nil)
			if err != nil || len(ids) == 0 {
				return err
			}
			worked = true
			return w.startContacts(ctx, tx, ws, start, ids, func(write func(tx *gorm.DB) error) error { return write(tx) })
		})
		if err != nil || worked {
			return worked, err
		}
		return false, h.Store.Write(ctx, func(tx *gorm.DB) error { return h.Store.CompleteStart(tx, start.ID) })
	}

	ids, done, err := h.claimLocal(ctx, start.ID, w.BatchSize)
	if err != nil {
		return false, err
	}
	defer done()
	if len(ids) == 0 {
		return false, h.Store.Write(ctx, func(tx *gorm.DB) error { return h.Store.CompleteStart(tx, start.ID) })
	}
	err = w.startContacts(ctx, h.Store.DB, ws, start, ids, func(write func(tx *gorm.DB) error) error {
		return h.Store.Write(ctx, write)
	})
	if errors.Is(err, errBatchLost) {
		return true, nil
	}
	return true, err
}

// startContacts runs the engine for a batch of recipients and writes what it did, marking them started in
// the same transaction.
func (w *StartWorkers) startContacts(ctx context.Context, db *gorm.DB, ws *models.Workspace, start *models.FlowStart, ids []int64, write func(func(tx *gorm.DB) error) error) (err error) {
	h := w.Host
	a, err := h.Assets.Get(ctx, ws)
	if err != nil {
		return err
	}
	flowRow := a.flowByID(start.FlowID)
	if flowRow == nil || flowRow.IsArchived {
		return w.failStart(ctx, start, "its flow is gone or archived", nil)
	}
	flow, err := a.Session.Flows().Get(assets.FlowUUID(flowRow.UUID))
	if err != nil {
		return w.failStart(ctx, start, "its flow can't be read", err)
	}

	if h.Store.Dialect == models.Postgres {
		// db is the batch's transaction: the locks go with it when it ends
		err = h.Locks.LockTx(ctx, db, ids, h.LockWait)
	} else {
		var release func()
		release, err = h.Locks.Lock(ctx, ids, h.LockWait)
		if err == nil {
			defer release()
		}
	}
	if err != nil {
		return fmt.Errorf("locking a batch of start %s: %w", start.UUID, err)
	}

	contacts, engineContacts, err := h.loadContacts(ctx, a, db, ids)
	if err != nil {
		return err
	}
	scenes := make([]*scene, 0, len(contacts))
	for _, c := range contacts {
		trigger, err := startTrigger(flow, start)
		if err != nil {
			return w.failStart(ctx, start, "it can't make its trigger", err)
		}
		began := time.Now()
		session, sprint, err := h.Engine.NewSession(ctx, a.Session, a.Env, engineContacts[c.ID], trigger, nil)
		if err != nil {
			// one contact the engine can't start doesn't hold up the rest
			h.Log.Error("starting a contact in a flow", "start", start.UUID, "contact", c.UUID, "error", err)
			continue
		}
		startID := start.ID
		scenes = append(scenes, &scene{contact: c, session: session, sprint: sprint, startID: &startID, began: began})
	}

	defer func() {
		if err == nil {
			h.Log.Debug("started contacts", "start", start.UUID, "contacts", len(scenes))
		}
	}()
	return write(func(tx *gorm.DB) error {
		if h.Store.Dialect != models.Postgres { // PostgreSQL's claim marked them already
			marked, err := models.MarkStarted(tx, start.ID, ids)
			if err != nil {
				return err
			}
			if marked != int64(len(ids)) {
				return errBatchLost
			}
		}
		if flow.Type() != flows.FlowTypeMessagingBackground {
			// whoever was waiting in a flow leaves it (contacts were read under their locks: this is current)
			var waiting []int64
			for _, sc := range scenes {
				if sc.contact.CurrentSessionID != nil {
					waiting = append(waiting, sc.contact.ID)
				}
			}
			if err := models.InterruptWaiting(tx, waiting, h.Store.Now().UTC()); err != nil {
				return err
			}
		}
		if err := h.commit(ctx, tx, a, scenes); err != nil {
			return err
		}
		if start.Status == models.StartQueued {
			return h.Store.MarkStartStarted(tx, start.ID)
		}
		return nil
	})
}

// startTrigger is what the engine is told started a contact: a manual trigger with the start's params, or,
// for a start made by a flow's start_session action, that action.
func startTrigger(flow flows.Flow, start *models.FlowStart) (flows.Trigger, error) {
	b := triggers.NewBuilder(flow.Reference(false))
	batch := start.ContactCount > 1
	if start.ParentSummary != nil {
		history := &core.SessionHistory{}
		if start.SessionHistory != nil {
			if err := json.Unmarshal([]byte(*start.SessionHistory), history); err != nil {
				return nil, err
			}
		}
		fb := b.FlowAction(history, []byte(*start.ParentSummary))
		if batch {
			fb = fb.AsBatch()
		}
		return fb.Build(), nil
	}
	params, err := types.ReadXObject([]byte(start.Params))
	if err != nil {
		return nil, err
	}
	mb := b.Manual().WithParams(params).WithOrigin(start.StartType)
	if batch {
		mb = mb.AsBatch()
	}
	return mb.Build(), nil
}
