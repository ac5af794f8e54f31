package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
)

// detailedContact is a contact with what is written beside it: its URNs, groups, field values and notes,
// and the fields the caller may see.
type detailedContact struct {
	models.Contact
	Details models.ContactDetails
	Fields  []models.Field
}

func convertDetailedContact(c *Ctx, d *detailedContact) any {
	w := &contactWriter{c: c, env: flows.Environment(c.ws()), fields: d.Fields, details: map[int64]*models.ContactDetails{d.ID: &d.Details}}
	return w.write(&d.Contact)
}

var exampleContact = func() detailedContact {
	name, lang := "Ben Haggerty", "eng"
	return detailedContact{
		Contact: models.Contact{ID: 1, UUID: "09d23a05-47fe-11e4-bfe9-b8f6b119e9ab", Name: &name, Language: &lang, Status: models.ContactActive, IsActive: true,
			CreatedOn: exampleTime, ModifiedOn: exampleTime.Add(90 * time.Minute)},
		Details: models.ContactDetails{URNs: []models.ContactURN{{ContactID: 1, Identity: "tel:+250788123123", Scheme: "tel", Path: "+250788123123"}}},
	}
}()

var contactsListDocs = OperationDocs{Title: "List Contacts",
	Example: Example{Query: "urn=tel%3A%2B250788123123", Status: http.StatusOK, Answer: listAnswer(convertDetailedContact, exampleContact)},
	Params: []Param{
		{Name: "uuid", Help: "A contact UUID to filter by, e.g. 09d23a05-47fe-11e4-bfe9-b8f6b119e9ab"},
		{Name: "urn", Help: "A contact URN to filter by, e.g. tel:+250788123123 (local numbers are read in the workspace's country)"},
		{Name: "group", Help: "A group name or UUID to filter by, e.g. Customers"},
		{Name: "query", Help: "A contact query, as smart groups use, e.g. age > 18 AND name ~ bob (a flowsd extension)"},
		{Name: "deleted", Help: "Set to true to list only deleted contacts"},
		{Name: "before", Help: "Only return contacts modified before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return contacts modified after this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "reverse", Help: "Set to true to list the least recently modified first"},
		{Name: "expand_urns", Help: "Set to true to write URNs as objects with their scheme, path and display"},
	}}

var contactsWriteDocs = OperationDocs{Title: "Add or Update Contacts",
	Params: []Param{
		{Name: "uuid", Help: "UUID of the contact to update"},
		{Name: "urn", Help: "URN of the contact to update, or to create when no contact has it, e.g. tel:+250788123123"},
	},
	Fields: []Param{
		{Name: "name", Help: "Full name of the contact"},
		{Name: "language", Help: "Preferred language of the contact (3-letter ISO 639-3 code), e.g. fra"},
		{Name: "urns", Help: "List of URNs of the contact (replaces the current ones)", Type: "array"},
		{Name: "groups", Help: "List of UUIDs or names of manual groups of the contact (replaces the current ones)", Type: "array"},
		{Name: "fields", Help: "Field values by key; an empty string or null clears one", Type: "object"},
		{Name: "note", Help: "A note about the contact"},
	},
	Example: Example{Body: map[string]any{"name": "Ben Haggerty", "language": "eng", "urns": []any{"tel:+250788123123"}, "groups": []any{}, "fields": map[string]any{}},
		Status: http.StatusCreated, Answer: objectAnswer(convertDetailedContact, exampleContact)}}

var contactsDeleteDocs = OperationDocs{Title: "Delete Contacts", Params: []Param{
	{Name: "uuid", Help: "UUID of the contact to delete"},
	{Name: "urn", Help: "URN of the contact to delete, e.g. tel:+250788123123"},
},
	Example: Example{Query: "uuid=09d23a05-47fe-11e4-bfe9-b8f6b119e9ab", Status: http.StatusNoContent}}

func listContacts(c *Ctx) error {
	q, ord, err := contactsListing(c)
	if err != nil {
		return err
	}
	return respondPage(c, ord, q.Page,
		func(rows []models.Contact) ([]any, error) {
			w, err := newContactWriter(c, rows)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(rows))
			for i := range rows {
				out[i] = w.write(&rows[i])
			}
			return out, nil
		})
}

// contactsListing is the query and ordering of a contacts listing (contacts.json and Weni's
// contacts_lean.json alike), with every filter the request gives.
func contactsListing(c *Ctx) (*models.ContactQuery, order, error) {
	ctx := c.Request().Context()
	ord := order{reversible: true}
	q := c.store().Contacts(c.ws().ID, queryBool(c.query, "deleted")).ModifiedIn(timeRange(c.query))

	q, err := filterUUID(c, q)
	if err != nil {
		return nil, ord, err
	}
	if raw := c.query.Get("urn"); raw != "" {
		identity, err := lookupURN(c, raw)
		if err != nil {
			return nil, ord, err
		}
		q = q.WithURN(identity)
	}
	if q, err = filterContactGroup(c, q); err != nil {
		return nil, ord, err
	}
	if text := c.query.Get("query"); text != "" {
		parsed, err := flows.ParseQuery(ctx, c.store(), c.ws(), text)
		if err != nil {
			return nil, ord, queryError(err)
		}
		cond, err := parsed.Condition()
		if err != nil {
			return nil, ord, queryError(err)
		}
		q = q.Matching(cond)
	}
	if c.weni() {
		q, ord = weniContactFilters(c, q, ord)
	}
	return q, ord, nil
}

// filterContactGroup narrows a contacts listing to the members of the ?group= (a UUID or a name); a group
// that doesn't exist keeps none.
func filterContactGroup(c *Ctx, q *models.ContactQuery) (*models.ContactQuery, error) {
	ref := c.query.Get("group")
	if ref == "" {
		return q, nil
	}
	group, err := findGroupForFilter(c, ref)
	if err != nil || group == nil {
		return q.Nothing(), err
	}
	return q.InGroup(group.ID), nil
}

// queryError answers a contact query that doesn't parse with the parser's message.
func queryError(err error) error {
	var qerr *flows.QueryError
	if errors.As(err, &qerr) {
		return errQuery(qerr.Error())
	}
	return err
}
