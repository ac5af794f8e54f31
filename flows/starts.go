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
)

// Starts work flow starts, a kind of background work (models.WorkStarts): any number of workers, in any
// number of processes on one database, share the work without starting anyone twice. Each claims what it
// works (models/start_work.go): a pending start to resolve, or a batch of a queued start's recipients.
type Starts struct {
	Host      *Host
	BatchSize int // contacts started per transaction
}

// WorkOnce resolves one pending start, or starts batches of a queued one for a while. It reports whether
// there was anything to do.
func (w *Starts) WorkOnce(ctx context.Context) (bool, error) {
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
func (w *Starts) stint(ctx context.Context, start *models.FlowStart) (bool, error) {
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

// resolveOne turns a pending start into recipients. RapidPro takes starts of archived flows and then starts
// nobody: such a start fails, as does one whose query no longer works.
func (w *Starts) resolveOne(ctx context.Context) (bool, error) {
	h := w.Host
	n, err := h.Store.ClaimPendingStarts(ctx, 1, func(b *models.Batch) error {
		start, err := b.Read.FlowStart(b.Keys[0])
		if err != nil {
			return err
		}
		flow, err := b.Read.Flow(start.FlowID)
		if err != nil {
			return err
		}
		if !flow.IsActive || flow.IsArchived {
			return b.Write(ctx, func(tx *models.Tx) error { return tx.FailStart(start.ID) })
		}
		var query *models.Condition
		if start.Query != nil && *start.Query != "" {
			cond, err := startQuery(ctx, h.Store, start)
			if err != nil {
				h.Log.Warn("flow start has a query that no longer works", "start", start.UUID, "error", err)
				return b.Write(ctx, func(tx *models.Tx) error { return tx.FailStart(start.ID) })
			}
			query = &cond
		}
		return b.Write(ctx, func(tx *models.Tx) error {
			_, err := tx.ResolveStart(start, query)
			return err
		})
	})
	return n > 0, err
}

// startQuery is a start's contact query as a condition.
func startQuery(ctx context.Context, store *models.Store, start *models.FlowStart) (models.Condition, error) {
	ws, err := store.GetWorkspaceByID(ctx, start.WorkspaceID)
	if err != nil {
		return models.Condition{}, err
	}
	parsed, err := ParseQuery(ctx, store, ws, *start.Query)
	if err != nil {
		return models.Condition{}, err
	}
	return parsed.Condition()
}

// errStartFailed means the start was marked failed: the batch writes nothing, and the stint is over.
var errStartFailed = errors.New("flow start failed")

// failStart marks a start that can't go on failed, and says so with errStartFailed.
func (w *Starts) failStart(ctx context.Context, start *models.FlowStart, why string, cause error) error {
	w.Host.Log.Warn("flow start failed", "start", start.UUID, "why", why, "error", cause)
	if err := w.Host.Store.FailStart(ctx, start.ID); err != nil {
		return err // the database's trouble: the start is tried again later
	}
	return errStartFailed
}

// batch claims the next few recipients of a start and starts them; with none left, the start is completed.
func (w *Starts) batch(ctx context.Context, ws *models.Workspace, start *models.FlowStart) (bool, error) {
	n, err := w.Host.Store.ClaimRecipients(ctx, start.ID, w.BatchSize, func(b *models.Batch) error {
		return w.startContacts(ctx, b, ws, start)
	})
	if errors.Is(err, models.ErrClaimLost) {
		return true, nil // someone else started some of them: the batch wrote nothing, the next one goes on
	}
	if err != nil || n > 0 {
		return n > 0, err
	}
	return false, w.Host.Store.CompleteStart(ctx, start.ID)
}

// startContacts runs the engine for a batch of recipients and writes what it did; the batch's write marks
// them started in the same transaction.
func (w *Starts) startContacts(ctx context.Context, b *models.Batch, ws *models.Workspace, start *models.FlowStart) (err error) {
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
	if err := b.LockContacts(ctx, b.Keys, h.LockWait); err != nil {
		return fmt.Errorf("locking a batch of start %s: %w", start.UUID, err)
	}

	contacts, engineContacts, err := h.loadContacts(ctx, a, b.Read, b.Keys)
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
	return b.Write(ctx, func(tx *models.Tx) error {
		if flow.Type() != flows.FlowTypeMessagingBackground {
			// whoever was waiting in a flow leaves it (contacts were read under their locks: this is current)
			var waiting []int64
			for _, sc := range scenes {
				if sc.contact.CurrentSessionID != nil {
					waiting = append(waiting, sc.contact.ID)
				}
			}
			if err := tx.InterruptWaiting(waiting, h.Store.Now().UTC()); err != nil {
				return err
			}
		}
		if err := h.commit(ctx, tx, a, scenes); err != nil {
			return err
		}
		if start.Status == models.StartQueued {
			return tx.MarkStartStarted(start.ID)
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
	mb := b.Manual().WithParams(params)
	if start.StartType != models.StartTypeTrigger {
		mb = mb.WithOrigin(string(start.StartType)) // a scheduled trigger's start is manual with no origin, as RapidPro's
	}
	if batch {
		mb = mb.AsBatch()
	}
	return mb.Build(), nil
}
