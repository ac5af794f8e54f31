package flows

import (
	"context"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/core"
)

// SendMessage writes one message to a contact, as POST messages.json asks (mailroom's msg/send): routed as
// every outgoing message is, queued for the senders in the transaction that writes it, or failed when the
// contact can't be sent to (their status, or no URN a channel sends on).
func (h *Host) SendMessage(ctx context.Context, ws *models.Workspace, contact *models.Contact, content *core.MsgContent, createdByID int64) (*models.Msg, error) {
	a, err := h.Assets.Get(ctx, ws)
	if err != nil {
		return nil, err
	}
	var msg *models.Msg
	err = h.Store.Write(ctx, func(tx *models.Tx) error {
		urnsOf, err := tx.URNsOf([]int64{contact.ID})
		if err != nil {
			return err
		}
		urn, ch := a.Route(urnsOf[contact.ID])
		o := &Outgoing{ContactID: contact.ID, URN: urn, Channel: ch, Content: content, Unsendable: Unsendable(contact.Status),
			CreatedByID: &createdByID, HighPriority: true, CreatedOn: h.Store.Now()}
		msg = o.Msg(a, h.Store.NewUUID)
		return tx.InsertMsgs([]*models.Msg{msg})
	})
	return msg, err
}
