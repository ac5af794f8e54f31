package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/urns"
)

// Weni's contacts_elastic.json: its search of a project's contacts by name or URN path, which Weni asks of
// Elasticsearch and flowsd answers from SQL. A project is a workspace: project_uuid must be the caller's
// workspace's UUID. With a name or a number it answers a page of matches (page_number, page_size) with
// Weni's pagination object; with neither, as Weni does, a plain list of the 10 contacts changed last.

var exampleSearch = func() contactSearch {
	urn := models.ContactURN{ContactID: exampleContact.ID, Scheme: "whatsapp", Path: "5511999990001", Identity: "whatsapp:5511999990001"}
	return contactSearch{ContactMatches: models.ContactMatches{Contacts: []models.Contact{exampleContact.Contact}, Total: 1}, page: 1, size: 10,
		details: map[int64]*models.ContactDetails{exampleContact.ID: {URNs: []models.ContactURN{urn}, Groups: exampleContact.Details.Groups}}}
}()

// exampleProjectUUID is the workspace UUID the example searches.
const exampleProjectUUID = "6a3bd7b0-7c3f-4a6f-9a7c-8f3e2b1d0c9e"

var contactsElasticDocs = OperationDocs{Title: "Search Contacts",
	Params: []Param{
		{Name: "project_uuid", Required: true, Help: "The UUID of your workspace"},
		{Name: "name", Help: "Part of a name to find, ignoring case"},
		{Name: "number", Help: "Part of a URN path (a phone number) to find"},
		{Name: "page_number", Help: "The page to answer, from 1 (default 1)"},
		{Name: "page_size", Help: "How many contacts a page holds (default 10)"},
	},
	Example: Example{Query: "project_uuid=" + exampleProjectUUID + "&name=ben", Status: http.StatusOK,
		Answer: objectAnswer(convertContactSearch, exampleSearch)}}

// maxElasticPageSize is Elasticsearch's result window, which bounds Weni's pages.
const maxElasticPageSize = 10000

// contactSearch is a window of a search with the contacts' URNs and groups, and where it stands.
type contactSearch struct {
	models.ContactMatches
	details          map[int64]*models.ContactDetails
	page, size       int
	next, previous   *string
	withoutPaginator bool
}

type searchContactOut struct {
	ID          int64          `json:"id"`
	UUID        string         `json:"uuid"`
	Name        *string        `json:"name"`
	WorkspaceID int64          `json:"org_id"`
	URNs        []searchURNOut `json:"urns"`
	Groups      []ref          `json:"groups"`
	CreatedOn   apiTime        `json:"created_on"`
	ModifiedOn  apiTime        `json:"modified_on"`
	LastSeenOn  *apiTime       `json:"last_seen_on"`
}

type searchURNOut struct {
	Scheme string `json:"scheme"`
	Path   string `json:"path"`
}

type contactSearchOut struct {
	Results    []searchContactOut `json:"results"`
	Pagination struct {
		PageNumber int `json:"page_number"`
		PageSize   int `json:"page_size"`
		TotalPages int `json:"total_pages"`
		Links      struct {
			Next     *string `json:"next,omitempty"`
			Previous *string `json:"previous,omitempty"`
		} `json:"links"`
	} `json:"pagination"`
}

func convertSearchContacts(c *Ctx, s *contactSearch) []searchContactOut {
	out := make([]searchContactOut, len(s.Contacts))
	for i := range s.Contacts {
		ct := &s.Contacts[i]
		d := s.details[ct.ID]
		if d == nil {
			d = &models.ContactDetails{}
		}
		o := searchContactOut{ID: ct.ID, UUID: ct.UUID, Name: ct.Name, WorkspaceID: ct.WorkspaceID, URNs: []searchURNOut{}, Groups: []ref{},
			CreatedOn: apiTime(ct.CreatedOn), ModifiedOn: apiTime(ct.ModifiedOn), LastSeenOn: optionalTime(ct.LastSeenOn)}
		for _, u := range d.URNs {
			path := u.Path
			if c.ws().IsAnon {
				path = urns.Mask
			}
			o.URNs = append(o.URNs, searchURNOut{Scheme: u.Scheme, Path: path})
		}
		for _, g := range d.Groups {
			o.Groups = append(o.Groups, ref{UUID: g.UUID, Name: g.Name})
		}
		out[i] = o
	}
	return out
}

func convertContactSearch(c *Ctx, s *contactSearch) any {
	if s.withoutPaginator {
		return convertSearchContacts(c, s)
	}
	out := contactSearchOut{Results: convertSearchContacts(c, s)}
	p := &out.Pagination
	p.PageNumber, p.PageSize = s.page, s.size
	p.TotalPages = s.totalPages()
	p.Links.Next, p.Links.Previous = s.next, s.previous
	return out
}

func (s *contactSearch) totalPages() int { return int((s.Total + int64(s.size) - 1) / int64(s.size)) }

// searchContacts answers Weni's contact search, scoped to the caller's workspace.
func searchContacts(c *Ctx) error {
	ctx := c.Request().Context()
	ws := c.ws()
	project, given := c.query["project_uuid"]
	if !given || project[0] == "" {
		v := &validation{}
		v.add("project_uuid", "This field is required.")
		return errValidation(v)
	}
	if u, ok := normalizeUUID(project[0]); !ok || u != ws.UUID {
		return errNotFound() // another workspace's project is, to this caller, none
	}

	name, number := c.query.Get("name"), c.query.Get("number")
	q := c.store().Contacts(ws.ID, false)
	search := &contactSearch{}
	if name == "" && number == "" {
		search.withoutPaginator, search.size = true, 10
	} else {
		v := &validation{}
		search.page = windowParam(c, v, "page_number", 1, 1, maxOffsetWindow)
		search.size = windowParam(c, v, "page_size", 10, 1, maxElasticPageSize)
		if v.failed() {
			return errValidation(v)
		}
		if name != "" {
			q = q.NameContains(name)
		}
		if number != "" {
			if ws.IsAnon {
				return errQuery("URN lookups not allowed for anonymous organizations")
			}
			q = q.WithURNPathContaining(number)
		}
	}
	matches, err := q.Window(ctx, search.size, max(search.page-1, 0)*search.size)
	if err != nil {
		return err
	}
	search.ContactMatches = *matches
	ids := make([]int64, len(matches.Contacts))
	for i := range matches.Contacts {
		ids[i] = matches.Contacts[i].ID
	}
	if search.details, err = c.store().LoadContactDetails(ctx, ids); err != nil {
		return err
	}
	if !search.withoutPaginator {
		if search.page < search.totalPages() {
			search.next = c.searchPageLink(search.page+1, search.size)
		}
		if search.page > 1 {
			search.previous = c.searchPageLink(search.page-1, search.size)
		}
	}
	return c.respond(http.StatusOK, convertContactSearch(c, search))
}

// searchPageLink is the request's absolute URL for another page of a search.
func (c *Ctx) searchPageLink(page, size int) *string {
	return c.linkWith(func(q url.Values) {
		q.Set("page_number", strconv.Itoa(page))
		q.Set("page_size", strconv.Itoa(size))
	})
}
