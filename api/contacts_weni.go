package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/urns"
	"gorm.io/gorm"
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

func weniContactFilters(c *Ctx, q *gorm.DB) *gorm.DB {
	if name := c.query.Get("name"); name != "" {
		q = q.Where(`c.name_lower LIKE ? ESCAPE '\'`, "%"+models.EscapeLike(strings.ToLower(name))+"%")
	}
	if search := c.query.Get("search"); search != "" {
		cond := "c.name = ?"
		args := []any{search}
		if identity, err := urns.LookupIdentity(search, c.ws().CountryCode()); err == nil && !c.ws().IsAnon {
			cond += " OR EXISTS (SELECT 1 FROM contact_urns u WHERE u.contact_id = c.id AND u.identity = ?)"
			args = append(args, string(identity))
		}
		q = q.Where("("+cond+")", args...)
	}
	return q
}

func weniContactOrdering(c *Ctx, ord ordering) ordering {
	switch c.query.Get("order_by") {
	case "created_on":
		ord.column, ord.ascending = "c.created_on", true
	case "-created_on":
		ord.column = "c.created_on"
	case "modified_on":
		ord.ascending = true
	}
	if n, err := strconv.Atoi(c.query.Get("limit")); err == nil && n > 0 {
		ord.pageSize = min(n, maxWeniPageSize)
	}
	return ord
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
	return respondPage(c, q, ord,
		func(ct *models.Contact) models.Position { return positionFor(ord, ct) },
		convertEach(func(ct *models.Contact) any { return convertLeanContact(c, ct) }))
}

func convertLeanContact(_ *Ctx, ct *models.Contact) any {
	out := contactLeanOut{UUID: ct.UUID, CreatedOn: apiTime(ct.CreatedOn), ModifiedOn: apiTime(ct.ModifiedOn)}
	if ct.LastSeenOn != nil {
		t := apiTime(*ct.LastSeenOn)
		out.LastSeenOn = &t
	}
	if ct.IsActive {
		b, s := ct.Status == models.ContactBlocked, ct.Status == models.ContactStopped
		out.Name, out.Language, out.Blocked, out.Stopped = ct.Name, ct.Language, &b, &s
	}
	return out
}
