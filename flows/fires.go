package flows

import (
	"context"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/core/events"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/resumes"
	"gorm.io/gorm"
)

// Waits end on time: a wait's timeout (the flow goes on by its timeout category) and a flow's expiry (the
// run expires). The poller looks for waiting sessions past either and resumes each under its contact's lock;
// a session moved on in the meantime (by a reply, say) is left alone.

// FireDue resumes up to limit waiting sessions whose timeout or expiry has come, and says how many it did.
func (h *Host) FireDue(ctx context.Context, limit int) (int, error) {
	now := h.Store.Now().UTC()
	var due []*models.FlowSession
	err := h.Store.Read(ctx).Select("id, workspace_id, contact_id").
		Where("status = ? AND (timeout_on <= ? OR expires_on <= ?)", models.SessionWaiting, now, now).
		Order("id").Limit(limit).Find(&due).Error
	if err != nil {
		return 0, err
	}
	fired := 0
	for _, d := range due {
		ok, err := h.fire(ctx, d.WorkspaceID, d.ContactID, d.ID, now)
		if err != nil {
			h.Log.Error("firing a wait's timeout or expiry", "session", d.ID, "error", err)
			continue
		}
		if ok {
			fired++
		}
	}
	return fired, nil
}

func (h *Host) fire(ctx context.Context, workspaceID, contactID, sessionID int64, now time.Time) (bool, error) {
	release, err := h.Locks.Lock(ctx, []int64{contactID}, h.LockWait)
	if err != nil {
		return false, err
	}
	defer release()
	defer h.wakeWorkers()

	stored := &models.FlowSession{}
	if err := h.Store.Read(ctx).Take(stored, sessionID).Error; err != nil {
		return false, err
	}
	expired := stored.ExpiresOn != nil && !stored.ExpiresOn.After(now)
	timedOut := stored.TimeoutOn != nil && !stored.TimeoutOn.After(now)
	if stored.Status != models.SessionWaiting || (!expired && !timedOut) {
		return false, nil // moved on while we weren't looking
	}
	ws, err := h.Store.GetWorkspaceByID(ctx, workspaceID)
	if err != nil {
		return false, err
	}
	a, err := h.Assets.Get(ctx, ws)
	if err != nil {
		return false, err
	}
	contacts, engineContacts, err := h.loadContacts(ctx, a, h.Store.DB, []int64{contactID})
	if err != nil {
		return false, err
	}
	if len(contacts) == 0 { // the contact was deleted: their session goes with them
		return true, h.Store.Write(ctx, func(tx *gorm.DB) error { return models.InterruptWaiting(tx, []int64{contactID}, now) })
	}
	var resume flows.Resume = resumes.NewWaitTimeout(events.NewWaitTimedOut())
	if expired {
		resume = resumes.NewWaitExpiration(events.NewWaitExpired())
	}
	sc, err := h.resumeScene(ctx, a, contacts[0], engineContacts[contactID], stored, resume)
	if resumeRejected(err) {
		// the wait no longer has a timeout: it waits on, for a reply or its expiry
		return false, h.Store.Write(ctx, func(tx *gorm.DB) error {
			return tx.Model(&models.FlowSession{}).Where("id = ?", sessionID).Update("timeout_on", nil).Error
		})
	}
	if err != nil {
		return false, err
	}
	return true, h.Store.Write(ctx, func(tx *gorm.DB) error { return h.commit(ctx, tx, a, []*scene{sc}) })
}

// RunFires fires due waits every interval until ctx ends.
func (h *Host) RunFires(ctx context.Context, interval time.Duration) error {
	for {
		for {
			n, err := h.FireDue(ctx, 100)
			if err != nil && ctx.Err() == nil {
				h.Log.Error("looking for due waits", "error", err)
			}
			if n < 100 || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// Interrupt ends contacts' waiting sessions, under their locks, as the contact_actions interrupt does.
func (h *Host) Interrupt(ctx context.Context, ws *models.Workspace, contactIDs []int64) error {
	if len(contactIDs) == 0 {
		return nil
	}
	release, err := h.Locks.Lock(ctx, contactIDs, h.LockWait)
	if err != nil {
		return err
	}
	defer release()
	return h.Store.Write(ctx, func(tx *gorm.DB) error {
		ids := tx.Model(&models.Contact{}).Select("id").Where("workspace_id = ? AND id IN ?", ws.ID, contactIDs)
		var owned []int64
		if err := ids.Pluck("id", &owned).Error; err != nil {
			return err
		}
		return models.InterruptWaiting(tx, owned, h.Store.Now().UTC())
	})
}
