package api

import (
	"net/http"
	"strconv"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/urns"
)

// Weni's contacts take a few more parameters: name (contains, ignoring case), search (an exact URN or name),
// order_by (created_on, -created_on or modified_on) and limit (the page size).

var contactsLeanDocs = OperationDocs{Title: "List Contacts (lean)", Params: []Param{
	{Name: "uuid", Help: "A contact UUID to filter by"},
	{Name: "search", Help: "An exact URN or name to find"},
	{Name: "name", Help: "Part of a name to find, ignoring case"},
	{Name: "group", Help: "A group name or UUID to filter by"},
	{Name: "deleted", Help: "Set to true to list only deleted contacts"},
	{Name: "order_by", Help: "created_on, -created_on or modified_on"},
	{Name: "limit", Help: "How many contacts a page holds (default 250)"},
},
	Example: Example{Query: "order_by=-created_on", Status: http.StatusOK, Answer: listAnswer(convertLeanContact, exampleContact.Contact)}}

// maxWeniPageSize bounds ?limit=, which Weni leaves unbounded.
const maxWeniPageSize = 10000

// weniContactFilters adds Weni's parameters to a contacts listing.
func weniContactFilters(c *Ctx, q *models.ContactQuery, ord order) (*models.ContactQuery, order) {
	if name := c.query.Get("name"); name != "" {
		q = q.NameContains(name)
	}
	if search := c.query.Get("search"); search != "" {
		identity := ""
		if id, err := urns.LookupIdentity(search, c.ws().CountryCode()); err == nil && !c.ws().IsAnon {
			identity = string(id)
		}
		q = q.NamedOrWithURN(search, identity)
	}
	switch c.query.Get("order_by") {
	case "created_on":
		q, ord.ascending = q.ByCreation(), true
	case "-created_on":
		q = q.ByCreation()
	case "modified_on":
		ord.ascending = true
	}
	ord.pageSize = weniPageSize(c)
	return q, ord
}

// weniPageSize is the page size a Weni listing's ?limit= asks for, 0 (the default) when it asks for none.
func weniPageSize(c *Ctx) int {
	if n, err := strconv.Atoi(c.query.Get("limit")); err == nil && n > 0 {
		return min(n, maxWeniPageSize)
	}
	return 0
}

type contactLeanOut struct {
	UUID       string   `json:"uuid"`
	Name       *string  `json:"name"`
	Language   *string  `json:"language"`
	Blocked    *bool    `json:"blocked"`
	Stopped    *bool    `json:"stopped"`
	CreatedOn  apiTime  `json:"created_on"`
	ModifiedOn apiTime  `json:"modified_on"`
	LastSeenOn *apiTime `json:"last_seen_on"`
}

// listContactsLean is Weni's contacts_lean.json: contacts without URNs, groups or fields.
func listContactsLean(c *Ctx) error {
	q, ord, err := contactsListing(c)
	if err != nil {
		return err
	}
	return respondPage(c, ord, q.Page, convertEach(func(ct *models.Contact) any { return convertLeanContact(c, ct) }))
}

func convertLeanContact(_ *Ctx, ct *models.Contact) any {
	out := contactLeanOut{UUID: ct.UUID, CreatedOn: apiTime(ct.CreatedOn), ModifiedOn: apiTime(ct.ModifiedOn), LastSeenOn: optionalTime(ct.LastSeenOn)}
	if ct.IsActive {
		b, s := ct.Status == models.ContactBlocked, ct.Status == models.ContactStopped
		out.Name, out.Language, out.Blocked, out.Stopped = ct.Name, ct.Language, &b, &s
	}
	return out
}
