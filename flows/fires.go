package flows

import (
	"context"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/core/events"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/resumes"
)

// Waits end on time: a wait's timeout (the flow goes on by its timeout category) and a flow's expiry (the
// run expires). Workers claim waiting sessions past either (models.Store.ClaimDueSessions) and resume each
// under its contact's lock. A contact whose lock someone else holds (they are replying, say) is left for the
// next look; a session moved on meanwhile is no longer due.

// fireBatch is how many due sessions one claim takes.
const fireBatch = 10

// FireDue resumes up to limit waiting sessions whose timeout or expiry has come, and says how many it did.
func (h *Host) FireDue(ctx context.Context, limit int) (int, error) {
	fired := 0
	for fired < limit {
		n, did, err := h.fireBatch(ctx, min(fireBatch, limit-fired))
		fired += did
		if err != nil || did == 0 || n < fireBatch {
			return fired, err
		}
	}
	return fired, nil
}

// FireOnce fires a batch of due waits: the work of a wait-timeout worker. It reports whether it did any.
func (h *Host) FireOnce(ctx context.Context) (bool, error) {
	_, did, err := h.fireBatch(ctx, fireBatch)
	return did > 0, err
}

// fireBatch claims up to n due sessions and fires those whose contacts it can lock; it answers how many it
// claimed and how many it fired.
func (h *Host) fireBatch(ctx context.Context, n int) (claimed, fired int, err error) {
	now := h.Store.Now().UTC()
	claimed, err = h.Store.ClaimDueSessions(ctx, now, n, func(b *models.Batch) error {
		sessions, err := b.Read.Sessions(b.Keys)
		if err != nil {
			return err
		}
		contactIDs := make([]int64, len(sessions))
		for i, s := range sessions {
			contactIDs[i] = s.ContactID
		}
		locked, err := b.TryLockContacts(ctx, contactIDs)
		if err != nil {
			return err
		}
		var writes []func(tx *models.Tx) error
		for _, s := range sessions {
			if !containsID(locked, s.ContactID) {
				continue
			}
			write, err := h.fire(ctx, b.Read, s, now)
			if err != nil {
				h.Log.Error("firing a wait's timeout or expiry", "session", s.UUID, "error", err)
				continue
			}
			writes = append(writes, write)
		}
		if len(writes) == 0 {
			return nil
		}
		fired = len(writes)
		return b.Write(ctx, func(tx *models.Tx) error {
			for _, write := range writes {
				if err := write(tx); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		fired = 0
	}
	return claimed, fired, err
}

// fire resumes a due session by its timeout or expiry, and gives what to write.
func (h *Host) fire(ctx context.Context, r *models.Reader, stored *models.FlowSession, now time.Time) (func(tx *models.Tx) error, error) {
	ws, err := h.Store.GetWorkspaceByID(ctx, stored.WorkspaceID)
	if err != nil {
		return nil, err
	}
	a, err := h.Assets.Get(ctx, ws)
	if err != nil {
		return nil, err
	}
	contacts, engineContacts, err := h.loadContacts(ctx, a, r, []int64{stored.ContactID})
	if err != nil {
		return nil, err
	}
	if len(contacts) == 0 { // the contact was deleted: their session goes with them
		return func(tx *models.Tx) error { return tx.InterruptWaiting([]int64{stored.ContactID}, now) }, nil
	}
	expired := stored.ExpiresOn != nil && !stored.ExpiresOn.After(now)
	var resume flows.Resume = resumes.NewWaitTimeout(events.NewWaitTimedOut())
	if expired {
		resume = resumes.NewWaitExpiration(events.NewWaitExpired())
	}
	sc, err := h.resumeScene(ctx, a, contacts[0], engineContacts[stored.ContactID], stored, resume)
	if resumeRejected(err) {
		// the wait no longer has a timeout: it waits on, for a reply or its expiry
		return func(tx *models.Tx) error { return tx.ClearTimeout(stored.ID) }, nil
	}
	if err != nil {
		// a session the engine can't resume would be due for ever, ahead of every other: it fails
		h.Log.Error("a due session can't be resumed: it fails", "session", stored.UUID, "error", err)
		return func(tx *models.Tx) error { return tx.FailSession(stored.ID, now) }, nil
	}
	return func(tx *models.Tx) error { return h.commit(ctx, tx, a, []*scene{sc}) }, nil
}

// Interrupt ends contacts' waiting sessions, under their locks, as the contact_actions interrupt does.
func (h *Host) Interrupt(ctx context.Context, ws *models.Workspace, contactIDs []int64) error {
	if len(contactIDs) == 0 {
		return nil
	}
	release, err := h.Store.Locks.Lock(ctx, contactIDs, h.LockWait)
	if err != nil {
		return err
	}
	defer release()
	return h.Store.Write(ctx, func(tx *models.Tx) error {
		return tx.InterruptContacts(ws.ID, contactIDs, h.Store.Now().UTC())
	})
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
