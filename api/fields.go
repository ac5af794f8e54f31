package api

import (
	"fmt"
	"net/http"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
)

var exampleField = usedField{Field: models.Field{Key: "nick_name", Name: "Nick Name", ValueType: models.FieldText, AgentAccess: models.AccessView}}

var fieldsListDocs = OperationDocs{Title: "List Fields",
	Params: []Param{
		{Name: "key", Help: "A field key to filter by, e.g. nick_name"},
	},
	Example: Example{Query: "key=nick_name", Status: http.StatusOK, Answer: listAnswer(convertField, exampleField)}}

var fieldsWriteDocs = OperationDocs{Title: "Add or Update Fields",
	Params: []Param{{Name: "key", Help: "Key of an existing field to update"}},
	Fields: []Param{
		{Name: "name", Required: true, Help: "The display name of the field (letters, numbers, hyphens and spaces); its key is generated from it"},
		{Name: "type", Required: true, Help: "The data type of the field: text, number, datetime, state, district or ward"},
	},
	Example: Example{Body: map[string]any{"name": "Nick Name", "type": "text"}, Status: http.StatusCreated,
		Answer: objectAnswer(convertField, exampleField)},
	Limited: true}

// legacyValueTypes are the deprecated value_type names of each field type.
var legacyValueTypes = map[string]string{
	models.FieldText: "text", models.FieldNumber: "numeric", models.FieldDatetime: "datetime",
	models.FieldState: "state", models.FieldDistrict: "district", models.FieldWard: "ward",
}

func fieldTypeFromLegacy(valueType string) string {
	for t, legacy := range legacyValueTypes {
		if legacy == valueType {
			return t
		}
	}
	return ""
}

type fieldUsages struct {
	Flows          int64 `json:"flows"`
	Groups         int64 `json:"groups"`
	CampaignEvents int64 `json:"campaign_events"`
}

type fieldOut struct {
	Key         string      `json:"key"`
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	Featured    bool        `json:"featured"`
	Priority    int         `json:"priority"`
	Usages      fieldUsages `json:"usages"`
	AgentAccess string      `json:"agent_access"`
	Label       string      `json:"label"`      // deprecated: the name
	ValueType   string      `json:"value_type"` // deprecated vocabulary of type
}

type fieldOutWeni struct {
	Key       string `json:"key"`
	Label     string `json:"label"`
	ValueType string `json:"value_type"`
	Pinned    bool   `json:"pinned"`
}

// usedField is a field with what uses it: smart groups and campaign events (flows' usages arrive later).
type usedField struct {
	models.Field
	Groups, CampaignEvents int64
}

func withUsages(f *models.Field, groupsUsing map[string][]models.Group, eventsUsing map[int64]int64) *usedField {
	return &usedField{Field: *f, Groups: int64(len(groupsUsing[f.Key])), CampaignEvents: eventsUsing[f.ID]}
}

// convertField writes a field with its usages.
func convertField(c *Ctx, f *usedField) any {
	if c.weni() {
		return fieldOutWeni{Key: f.Key, Label: f.Name, ValueType: legacyValueTypes[f.ValueType], Pinned: f.Featured}
	}
	return fieldOut{Key: f.Key, Name: f.Name, Type: f.ValueType, Featured: f.Featured, Priority: f.Priority,
		Usages: fieldUsages{Groups: f.Groups, CampaignEvents: f.CampaignEvents}, AgentAccess: f.AgentAccess, Label: f.Name, ValueType: legacyValueTypes[f.ValueType]}
}

func listFields(c *Ctx) error {
	q := c.store().Fields(c.ws().ID)
	if key := c.query.Get("key"); key != "" {
		q = q.WithKey(key)
	}
	groupsUsing, err := flows.GroupsUsingFields(c.Request().Context(), c.store(), c.ws())
	if err != nil {
		return err
	}
	eventsUsing, err := c.store().CampaignEventsUsingFields(c.Request().Context(), c.ws().ID)
	if err != nil {
		return err
	}
	return respondPage(c, order{}, q.Page, convertEach(func(f *models.Field) any { return convertField(c, withUsages(f, groupsUsing, eventsUsing)) }))
}

// writeField creates a field (its key generated from its name), or with ?key= renames it and changes its
// type. name and type may be given by their deprecated names label and value_type.
func writeField(c *Ctx) error {
	ctx := c.Request().Context()
	store, ws := c.store(), c.ws()

	_, key, err := lookup(c.query, "key")
	if err != nil {
		return err
	}
	var field *models.Field
	if key != "" {
		if field, err = store.GetField(ctx, ws.ID, key); models.IsNotFound(err) {
			return errNotFound()
		} else if err != nil {
			return err
		}
	} else if err := checkLimit(c, "fields"); err != nil {
		return err
	}

	in, err := c.body()
	if err != nil {
		return err
	}
	var exceptID int64
	if field != nil {
		exceptID = field.ID
	}

	var dbErr error
	v := &validation{}
	nameField := charField{maxLen: models.MaxFieldNameLen,
		validators: []func(string) []string{uniqueName(c, store.FieldNameTaken, exceptID, &dbErr)}}
	validName := func(name string) (string, bool) {
		if !models.ValidFieldName(name) {
			return "Can only contain letters, numbers and hypens.", false
		}
		if k := models.MakeKey(name); !models.ValidFieldKey(k) {
			return fmt.Sprintf("Generated key %q is invalid or a reserved name.", k), false
		} else if field == nil {
			taken, err := store.FieldKeyTaken(ctx, ws.ID, k, 0)
			if err != nil {
				dbErr = err
			} else if taken {
				return fmt.Sprintf("Generated key %q is already used by another field.", k), false
			}
		}
		return name, true
	}

	// fields are checked in RapidPro's declaration order: name, type, label, value_type
	var name, valueType string
	if s, present, ok := in.char(v, "name", nameField); present && ok && s != nil {
		if msg, ok := validName(*s); ok {
			name = *s
		} else {
			v.add("name", msg)
		}
	}
	if t, present, ok := in.choice(v, "type", false, models.FieldTypes...); present && ok {
		valueType = t
	}
	if s, present, ok := in.char(v, "label", nameField); present && ok && s != nil {
		if msg, ok := validName(*s); !ok {
			v.add("label", msg)
		} else if name == "" {
			name = *s
		}
	}
	legacy := []string{"text", "numeric", "datetime", "state", "district", "ward"}
	if t, present, ok := in.choice(v, "value_type", false, legacy...); present && ok && valueType == "" {
		valueType = fieldTypeFromLegacy(t)
	}
	if dbErr != nil {
		return dbErr
	}
	if v.failed() {
		return errValidation(v)
	}
	if name == "" {
		return errNonField("Field 'name' is required.")
	}
	if valueType == "" {
		return errNonField("Field 'type' is required.")
	}

	eventsUsing, err := store.CampaignEventsUsingFields(ctx, ws.ID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	typeChanged := field != nil && field.ValueType != valueType
	if typeChanged && field.ValueType == models.FieldDatetime && eventsUsing[field.ID] > 0 {
		return errNonField("Can't change type of date field being used by campaign events.")
	}
	if field == nil {
		field, err = store.CreateField(ctx, ws.ID, name, valueType)
		status = http.StatusCreated
	} else {
		err = store.UpdateField(ctx, field, name, valueType)
	}
	if err := writeError(err, "name"); err != nil {
		return err
	}
	groupsUsing, err := flows.GroupsUsingFields(ctx, store, ws)
	if err != nil {
		return err
	}
	if typeChanged {
		// smart groups comparing the field now compare values of another type
		if err := reevaluateGroups(c, groupsUsing[field.Key]); err != nil {
			return err
		}
	}
	return c.respond(status, convertField(c, withUsages(field, groupsUsing, eventsUsing)))
}
