package flows

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/excellent/types"
	"github.com/nyaruka/goflow/flows"
)

// EngineContact is a contact as the engine holds it: its URNs, groups and field values, read through the
// engine's own contact envelope.
func EngineContact(sa flows.SessionAssets, c *models.Contact, d *models.ContactDetails, fields map[int64]*models.Field) (*core.Contact, error) {
	urnList := make([]string, len(d.URNs))
	for i, u := range d.URNs {
		urnList[i] = u.Identity
	}
	groups := make([]*assets.GroupReference, 0, len(d.Groups))
	for _, g := range d.Groups {
		groups = append(groups, assets.NewGroupReference(assets.GroupUUID(g.UUID), g.Name))
	}
	values := map[string]*core.Value{}
	for fieldID, v := range d.Fields {
		f := fields[fieldID]
		if f == nil {
			continue
		}
		value := &core.Value{Text: types.NewXText(v.Text)}
		if v.Number != nil {
			if n, err := types.NewXNumberFromString(v.Number.String()); err == nil {
				value.Number = n
			}
		}
		if v.Datetime != nil {
			value.Datetime = types.NewXDateTime(*v.Datetime)
		}
		values[f.Key] = value
	}
	envelope := map[string]any{
		"uuid": c.UUID, "id": c.ID, "status": c.Status, "created_on": c.CreatedOn.UTC().Format(time.RFC3339Nano),
		"urns": urnList, "groups": groups, "fields": values,
	}
	if c.Name != nil {
		envelope["name"] = *c.Name
	}
	if c.Language != nil {
		envelope["language"] = *c.Language
	}
	if c.LastSeenOn != nil {
		envelope["last_seen_on"] = c.LastSeenOn.UTC().Format(time.RFC3339Nano)
	}
	data, err := json.Marshal(envelope)
	if err != nil {
		return nil, err
	}
	contact, err := core.ReadContact(sa, data, assets.IgnoreMissing)
	if err != nil {
		return nil, fmt.Errorf("reading contact %s for the engine: %w", c.UUID, err)
	}
	return contact, nil
}
