package flows

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/assets/static"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/core/events"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/triggers"
)

// CampaignFires work the campaign fires that are due, a kind of background work: the due fires of one event
// are claimed in batches, their contacts locked, and the event's message sent to them (each in their
// language, through the one sending path) or its flow started for them with a campaign trigger, in the
// transaction that deletes the fires. A killed process leaves its fires claimed by nobody: they fire after
// the restart, and a fire worked is gone, so nothing fires twice.
type CampaignFires struct {
	Host *Host
	// fires worked per transaction: of a message event (default 500), of a flow event, whose contacts each run
	// the engine in the transaction (default 25, as mailroom's flow tasks)
	MessageBatch, FlowBatch int
}

// WorkOnce works the next batch of due fires, if any. An event whose claimed fires' contacts are all busy is
// passed by for the next one due, so that a contact held up doesn't hold up everyone behind them.
func (w *CampaignFires) WorkOnce(ctx context.Context) (bool, error) {
	h := w.Host
	now := h.Store.Now().UTC()
	var passing []int64
	for {
		var eventID int64
		n, err := h.Store.ClaimDueFires(ctx, now, orInt(w.MessageBatch, 500), orInt(w.FlowBatch, 25), passing, func(b *models.Batch, ev *models.FiringEvent, fires []models.DueFire) error {
			eventID = ev.ID
			return w.fire(ctx, b, ev, fires)
		})
		switch {
		case errors.Is(err, models.ErrClaimLost):
			return true, nil // a contact's change moved some of them: nothing was written, the next look sees it
		case errors.Is(err, errAllBusy):
			passing = append(passing, eventID) // their fires wait for the next look
		default:
			return n > 0, err
		}
	}
}

// errAllBusy means every contact of a batch of fires was locked by someone else: nothing was done.
var errAllBusy = errors.New("every contact of the fires is busy")

// fire works one event's claimed fires.
func (w *CampaignFires) fire(ctx context.Context, b *models.Batch, ev *models.FiringEvent, fires []models.DueFire) error {
	h := w.Host
	drop := func() error { return b.Write(ctx, func(tx *models.Tx) error { return tx.DeleteFires(b.Keys) }) }
	if !ev.Fires {
		return drop() // the event was deleted or its campaign archived since they were made
	}
	ws, err := h.Store.GetWorkspaceByID(ctx, ev.WorkspaceID)
	if err != nil {
		return err
	}
	a, err := h.Assets.Get(ctx, ws)
	if err != nil {
		return err
	}
	ids := make([]int64, len(fires))
	for i, f := range fires {
		ids[i] = f.ContactID
	}
	// a contact whose lock is held (a reply being handled, a change to them) is left for the next look: waiting
	// for it while holding the claimed fires could deadlock with that change, which moves the contact's fires
	locked, err := b.TryLockContacts(ctx, ids)
	if err != nil {
		return err
	}
	if len(locked) == 0 {
		return errAllBusy
	}
	worked := make([]int64, 0, len(locked))
	for _, f := range fires {
		if slices.Contains(locked, f.ContactID) {
			worked = append(worked, f.ID)
		}
	}
	contacts, engineContacts, err := h.loadContacts(ctx, a, b.Read, locked)
	if err != nil {
		return err
	}
	// blocked, stopped and deleted contacts get nothing (they have no fires but for a change racing this one)
	var firing []*models.Contact
	for _, c := range contacts {
		if c.Status != models.ContactActive {
			continue
		}
		if ev.StartMode == models.StartSkip && c.CurrentSessionID != nil {
			continue // skip: they are in a flow
		}
		firing = append(firing, c)
	}
	inFlows := func() []int64 {
		var ids []int64
		for _, c := range firing {
			if c.CurrentSessionID != nil {
				ids = append(ids, c.ID)
			}
		}
		return ids
	}
	var waiting []int64
	if ev.StartMode == models.StartInterrupt {
		waiting = inFlows()
	}

	if ev.EventType == models.EventMessage {
		msgs, err := w.messages(ctx, b, a, ev, firing, engineContacts)
		if err != nil {
			return err
		}
		return b.Write(ctx, func(tx *models.Tx) error {
			if err := tx.InterruptWaiting(waiting, h.Store.Now().UTC()); err != nil {
				return err
			}
			if err := tx.InsertMsgs(msgs); err != nil {
				return err
			}
			return tx.DeleteFires(worked)
		})
	}

	flowRow := (*models.Flow)(nil)
	if ev.FlowID != nil {
		flowRow = a.flowByID(*ev.FlowID)
	}
	if flowRow == nil || flowRow.IsArchived {
		return drop() // the flow is gone or archived: nothing to start, as in RapidPro
	}
	flow, err := a.Session.Flows().Get(assets.FlowUUID(flowRow.UUID))
	if err != nil {
		return drop()
	}
	switch {
	case flow.Type() == flows.FlowTypeMessagingBackground:
		waiting = nil // a background flow interrupts nobody
	case ev.StartMode == models.StartPassive:
		// passive is meant for background flows: a flow that waits takes the contact anyway (mailroom leaves the
		// flow they were in waiting, never to be resumed), so that flow ends here as interrupted
		waiting = inFlows()
	}
	campaign := core.NewCampaign(static.NewCampaign(assets.CampaignUUID(ev.CampaignUUID), ev.CampaignName))
	scenes := make([]*scene, 0, len(firing))
	for _, c := range firing {
		evt := events.NewCampaignFired(campaign.Reference(), assets.CampaignPointUUID(ev.UUID))
		trigger := triggers.NewBuilder(flow.Reference(false)).CampaignFired(evt, campaign).Build()
		began := time.Now()
		session, sprint, err := h.Engine.NewSession(ctx, a.Session, a.Env, engineContacts[c.ID], trigger, nil)
		if err != nil {
			h.Log.Error("starting a contact in a campaign's flow", "event", ev.UUID, "contact", c.UUID, "error", err)
			continue
		}
		scenes = append(scenes, &scene{contact: c, session: session, sprint: sprint, began: began})
	}
	return b.Write(ctx, func(tx *models.Tx) error {
		if err := tx.InterruptWaiting(waiting, h.Store.Now().UTC()); err != nil {
			return err
		}
		if err := h.commit(ctx, tx, a, scenes); err != nil {
			return err
		}
		return tx.DeleteFires(worked)
	})
}

// messages are a message event's messages to contacts: the translation for each one's language (falling back
// to the event's base language), its expressions evaluated, routed as every message is. They have no flow and
// no broadcast, as RapidPro's campaign messages.
func (w *CampaignFires) messages(ctx context.Context, b *models.Batch, a *Assets, ev *models.FiringEvent, contacts []*models.Contact, engineContacts map[int64]*core.Contact) ([]*models.Msg, error) {
	h := w.Host
	if ev.Message == nil || len(contacts) == 0 {
		return nil, nil
	}
	ts, err := models.ParseTranslations(*ev.Message)
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	translations := core.BroadcastTranslations{}
	for _, t := range ts {
		translations[i18n.Language(t.Lang)] = &core.MsgContent{Text: t.Text}
	}
	return h.translatedMsgs(ctx, a, b.Read, contacts, engineContacts, translations, i18n.Language(ts[0].Lang), nil)
}
