package api

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/urns"
	"github.com/nyaruka/gocommon/i18n"
)

// writeContact creates a contact, or updates the one named by ?uuid= or ?urn= (creating it with that URN
// when no contact has it).
func writeContact(c *Ctx) error {
	ctx := c.Request().Context()
	store, ws := c.store(), c.ws()

	lookupName, lookupValue, err := lookup(c.query, "uuid", "urn")
	if err != nil {
		return err
	}
	var contact *models.Contact
	var urlURN string
	switch lookupName {
	case "uuid":
		contact, err = store.GetContactAnyState(ctx, ws.ID, lookupValue)
		if models.IsNotFound(err) {
			return errNotFound()
		} else if err != nil {
			return err
		}
	case "urn":
		if urlURN, err = lookupURN(c, lookupValue); err != nil {
			return err
		}
		if contact, err = store.GetContactByURN(ctx, ws.ID, urlURN); models.IsNotFound(err) {
			contact = nil
		} else if err != nil {
			return err
		}
	}

	in, err := c.body()
	if err != nil {
		return err
	}
	spec, v, err := readContactSpec(c, in, contact, lookupName == "urn")
	if err != nil {
		return err
	}
	if v.failed() {
		return errValidation(v)
	}
	if contact != nil && !contact.IsActive {
		return errNonField("Deleted contacts can't be modified.")
	}
	if contact == nil && lookupName == "urn" && !spec.SetURNs {
		// the URN in the URL makes the new contact's only URN
		u, err := urns.Normalize(urlURN, ws.CountryCode(), c.weni())
		if err != nil {
			return errNonField(err.Error())
		}
		spec.URNs, spec.SetURNs = []models.URNSpec{models.URNSpecFor(u)}, true
	}

	status := http.StatusOK
	if contact == nil {
		contact, err = store.CreateContact(ctx, ws, spec)
		status = http.StatusCreated
	} else {
		err = store.UpdateContact(ctx, ws, contact, spec)
	}
	var taken *models.ErrURNTaken
	if errors.As(err, &taken) {
		items := &keyedErrors{}
		items.add(fmt.Sprint(taken.Index), "URN is in use by another contact.")
		v := &validation{}
		v.addNested("urns", items)
		return errValidation(v)
	}
	if err != nil {
		return err
	}
	w, err := newContactWriter(c, []models.Contact{*contact})
	if err != nil {
		return err
	}
	return c.respond(status, w.write(contact))
}

// readURNItems reads a list of URNs to write, normalized in the workspace's country; errors are per item.
func readURNItems(c *Ctx, items []any) ([]models.URNSpec, *keyedErrors) {
	var specs []models.URNSpec
	itemErrs := &keyedErrors{}
	for i, item := range items {
		raw := inputText(item)
		if _, isString := item.(string); !isString && !isNumber(item) {
			itemErrs.add(fmt.Sprint(i), "Not a valid string.")
			continue
		}
		if strings.TrimSpace(raw) == "" {
			itemErrs.add(fmt.Sprint(i), "This field may not be blank.")
			continue
		}
		if len([]rune(raw)) > urns.MaxLength {
			itemErrs.add(fmt.Sprint(i), "Ensure this field has no more than 255 characters.")
			continue
		}
		u, err := urns.Normalize(raw, c.ws().CountryCode(), c.weni())
		if err != nil {
			itemErrs.add(fmt.Sprint(i), err.Error())
			continue
		}
		if strings.ContainsRune(string(u), 0) {
			itemErrs.add(fmt.Sprint(i), "Null characters are not allowed.")
			continue
		}
		specs = append(specs, models.URNSpecFor(u))
	}
	return specs, itemErrs
}

// readContactSpec reads a contact write's body with RapidPro's rules and messages.
func readContactSpec(c *Ctx, in *input, contact *models.Contact, urnInURL bool) (models.ContactSpec, *validation, error) {
	ctx := c.Request().Context()
	ws := c.ws()
	v := &validation{}
	spec := models.ContactSpec{NoteBy: c.principal.User.ID}

	if name, present, ok := in.char(v, "name", charField{maxLen: models.MaxContactNameLen, allowNull: true}); present && ok {
		s := ""
		if name != nil {
			s = *name
		}
		spec.Name = &s
	}
	if lang, present, ok := in.char(v, "language", charField{minLen: 3, maxLen: 3, allowNull: true}); present && ok {
		s := ""
		if lang != nil {
			if _, err := i18n.ParseLanguage(*lang); err != nil {
				v.add("language", "Not a valid ISO639-3 language code.")
			}
			s = *lang
		}
		spec.Language = &s
	}
	if note, present, ok := in.char(v, "note", charField{maxLen: models.MaxNoteLen, allowBlank: true}); present && ok && note != nil {
		spec.Note = note
	}

	if items, present, ok := in.list(v, "urns", models.MaxContactURNs); present && ok {
		var itemErrs *keyedErrors
		spec.URNs, itemErrs = readURNItems(c, items)
		switch {
		case !itemErrs.empty():
			v.addNested("urns", itemErrs)
		case urnInURL:
			v.add("urns", "Field not allowed when using URN in URL")
		case ws.IsAnon && contact != nil:
			v.add("urns", "Updating URNs not allowed for anonymous organizations")
		default:
			spec.SetURNs = true
		}
	}

	if items, present, ok := in.list(v, "groups", 100); present && ok {
		groups, msg, err := resolveGroups(ctx, c, items, false)
		if err != nil {
			return spec, nil, err
		}
		switch {
		case msg != "":
			v.add("groups", msg)
		case contact != nil && contact.Status != models.ContactActive && len(groups) > 0:
			v.add("groups", "Non-active contacts can't be added to groups")
		default:
			spec.SetGroup = true
			for _, g := range groups {
				spec.Groups = append(spec.Groups, g.ID)
			}
		}
	}

	if entries, present, ok := in.dict(v, "fields", 100); present && ok {
		if err := readFieldValues(ctx, c, contact, entries, v, &spec); err != nil {
			return spec, nil, err
		}
	}
	return spec, v, nil
}

func isNumber(v any) bool {
	_, ok := v.(interface{ Float64() (float64, error) })
	return ok
}

// readFieldValues reads the fields of a contact write: values are strings (numbers read as text), "" or
// null clears, every key must be a field the caller may edit. Values are read as the engine reads them, with
// the workspace's boundaries for location fields (a district is looked up in the contact's state).
func readFieldValues(ctx context.Context, c *Ctx, contact *models.Contact, entries map[string]any, v *validation, spec *models.ContactSpec) error {
	fields, err := c.store().Fields(c.ws().ID).All(ctx)
	if err != nil {
		return err
	}
	byKey := map[string]*models.Field{}
	for i := range fields {
		byKey[fields[i].Key] = &fields[i]
	}

	itemErrs := &keyedErrors{}
	values := map[string]*string{}
	for key, raw := range entries {
		switch t := raw.(type) {
		case nil:
			values[key] = nil
		case string:
			s := strings.TrimSpace(t)
			if strings.ContainsRune(s, 0) {
				itemErrs.add(key, "Null characters are not allowed.")
				continue
			}
			values[key] = &s
		default:
			if !isNumber(raw) {
				itemErrs.add(key, "Not a valid string.")
				continue
			}
			s := inputText(raw)
			values[key] = &s
		}
	}
	if !itemErrs.empty() {
		v.addNested("fields", itemErrs)
		return nil
	}

	given := map[int64]*string{}
	needsParent := false // a district or ward is looked up under the contact's state or district
	for _, key := range sortedKeys(values) {
		field := byKey[key]
		isAgent := c.principal.Role == models.RoleAgent
		if field == nil || (isAgent && field.AgentAccess == models.AccessNone) {
			v.add("fields", "Invalid contact field key: "+key)
			return nil
		}
		if isAgent && field.AgentAccess != models.AccessEdit {
			v.add("fields", fmt.Sprintf("Editing of '%s' values disallowed for current user.", key))
			return nil
		}
		given[field.ID] = values[key]
		needsParent = needsParent || field.ValueType == models.FieldDistrict || field.ValueType == models.FieldWard
	}
	assets, err := c.flows().Assets.Get(ctx, c.ws())
	if err != nil {
		return err
	}
	var current map[int64]*models.FieldValue
	if contact != nil && needsParent {
		details, err := c.store().LoadEngineDetails(ctx, []int64{contact.ID})
		if err != nil {
			return err
		}
		current = details[contact.ID].Fields
	}
	spec.Fields = assets.ParseFieldValues(current, given)
	return nil
}

func deleteContact(c *Ctx) error {
	ctx := c.Request().Context()
	name, value, err := requireLookup(c.query, "uuid", "urn")
	if err != nil {
		return err
	}
	var contact *models.Contact
	if name == "uuid" {
		contact, err = c.store().GetContactAnyState(ctx, c.ws().ID, value)
	} else {
		identity, lerr := lookupURN(c, value)
		if lerr != nil {
			return lerr
		}
		contact, err = c.store().GetContactByURN(ctx, c.ws().ID, identity)
	}
	if models.IsNotFound(err) {
		return errNotFound()
	} else if err != nil {
		return err
	}
	if err := c.store().DeleteContacts(ctx, c.ws().ID, []int64{contact.ID}); err != nil {
		return err
	}
	return c.noContent()
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
