package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
)

// Campaigns send messages and start flows relative to a date of the contacts of a group. They are made by
// importing exports and by these endpoints; firing them is the scheduler's work.

var (
	exampleCampaignTime = time.Date(2025, 1, 6, 15, 33, 0, 813162000, time.UTC)
	exampleCampaign     = models.CampaignListing{Campaign: models.Campaign{UUID: "f14e4ff0-724d-43fe-a953-1d16aefd1c00",
		Name: "Reminders", IsActive: true, CreatedOn: exampleCampaignTime},
		GroupUUID: "04a4752b-0f49-480e-ae60-3a3f2bea485c", GroupName: "Subscribers"}
)

var campaignsListDocs = OperationDocs{Title: "List Campaigns",
	Params:  []Param{{Name: "uuid", Help: "A campaign UUID to filter by"}},
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertCampaign, exampleCampaign)}}

var campaignsWriteDocs = OperationDocs{Title: "Add or Update Campaigns",
	Params: []Param{{Name: "uuid", Help: "The UUID of the campaign to update"}},
	Fields: []Param{
		{Name: "name", Required: true, Help: "The name of the campaign (at most 64 characters, unique)"},
		{Name: "group", Required: true, Help: "The UUID or name of the contact group the campaign is for"},
	},
	Example: Example{Body: map[string]any{"name": exampleCampaign.Name, "group": exampleCampaign.GroupUUID},
		Status: http.StatusCreated, Answer: objectAnswer(convertCampaign, exampleCampaign)}}

// campaignOut is RapidPro's campaign (the same in every profile).
type campaignOut struct {
	UUID      string  `json:"uuid"`
	Name      string  `json:"name"`
	Archived  bool    `json:"archived"`
	Group     ref     `json:"group"`
	CreatedOn apiTime `json:"created_on"`
}

func convertCampaign(_ *Ctx, c *models.CampaignListing) any {
	return campaignOut{UUID: c.UUID, Name: c.Name, Archived: c.IsArchived, Group: ref{UUID: c.GroupUUID, Name: c.GroupName},
		CreatedOn: apiTime(c.CreatedOn)}
}

// listCampaigns answers a page of the active, unarchived campaigns, the newest first.
func listCampaigns(c *Ctx) error {
	q, err := filterUUID(c, c.store().Campaigns(c.ws().ID))
	if err != nil {
		return err
	}
	return respondPage(c, order{}, q.Page, convertEach(func(x *models.CampaignListing) any { return convertCampaign(c, x) }))
}

// writeCampaign creates a campaign (201), or with ?uuid= renames it and moves it to a group (200). Archived
// and deleted campaigns are not found.
func writeCampaign(c *Ctx) error {
	ctx, store := c.Request().Context(), c.store()
	_, uuid, err := lookup(c.query, "uuid")
	if err != nil {
		return err
	}
	var campaign *models.CampaignListing
	if uuid != "" {
		campaign, err = store.GetCampaign(ctx, c.ws().ID, uuid)
		if models.IsNotFound(err) {
			return errNotFound()
		}
		if err != nil {
			return err
		}
	}
	in, err := c.body()
	if err != nil {
		return err
	}

	var exceptID int64
	if campaign != nil {
		exceptID = campaign.ID
	}
	var dbErr error
	v := &validation{}
	name, _, _ := in.char(v, "name", charField{required: true, maxLen: models.MaxCampaignNameLen,
		validators: []func(string) []string{nameValidator(models.MaxCampaignNameLen), uniqueName(c, store.CampaignNameTaken, exceptID, &dbErr)}})
	if dbErr != nil {
		return dbErr
	}
	var group *models.Group
	if raw, ok := in.relation(v, "group", true); ok && raw != nil {
		g, msg, err := resolveGroup(ctx, c, raw, true)
		if err != nil {
			return err
		}
		if msg == "" && g.IsSystem { // campaigns are for the workspace's own groups
			msg = "No such object: " + inputText(raw)
		}
		if msg != "" {
			v.add("group", msg)
		}
		group = g
	}
	if v.failed() {
		return errValidation(v)
	}

	status := http.StatusOK
	if campaign == nil {
		campaign, err = store.CreateCampaign(ctx, c.ws().ID, *name, group)
		status = http.StatusCreated
	} else {
		err = store.UpdateCampaign(ctx, campaign, *name, group)
	}
	if models.IsNotFound(err) { // archived or deleted since it was read
		return errNotFound()
	}
	if err := writeError(err, "name"); err != nil {
		return err
	}
	return c.respond(status, convertCampaign(c, campaign))
}

// relation reads name as a DRF relation field's raw value: a string or an integer. An absent optional field
// is (nil, true); null or "" is "This field may not be null." as DRF's relation fields say.
func (in *input) relation(v *validation, name string, required bool) (raw any, ok bool) {
	raw, present := in.values[name]
	if !present {
		if required {
			v.add(name, "This field is required.")
			return nil, false
		}
		return nil, true
	}
	if in.form {
		raw = lastFormValue(raw)
	}
	if s, isString := raw.(string); raw == nil || (isString && s == "") {
		v.add(name, "This field may not be null.")
		return nil, false
	}
	if _, isString := raw.(string); !isString && !isNumber(raw) {
		v.add(name, "Must be a string or integer")
		return nil, false
	}
	return raw, true
}

// errNoSuchObject is whether err says a lookup found nothing.
func errNoSuchObject(err error) bool { return errors.Is(err, models.ErrNotFound) }

// noSuchObject is RapidPro's message for a reference that names nothing.
func noSuchObject(raw any) string { return "No such object: " + strings.TrimSpace(inputText(raw)) }
