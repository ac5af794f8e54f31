package api

import (
	"context"
	"fmt"
	"strings"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/urns"
	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/utils/obfuscate"
	"golang.org/x/sync/errgroup"
)

// What contacts look like in the API: RapidPro's shape with its deprecated fields, and Weni's.

type contactNoteOut struct {
	Text      string  `json:"text"`
	CreatedOn apiTime `json:"created_on"`
	CreatedBy struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"created_by"`
}

type expandedURN struct {
	Channel *ref    `json:"channel"`
	Scheme  string  `json:"scheme"`
	Path    string  `json:"path"`
	Display *string `json:"display"`
}

// contactOut is RapidPro's contact, with its deprecated fields. Ref and AnonDisplay only appear for
// anonymous workspaces; everything but the UUID and timestamps is null or empty for deleted contacts.
type contactOut struct {
	UUID        string             `json:"uuid"`
	Name        *string            `json:"name"`
	Ref         *string            `json:"ref,omitempty"`
	AnonDisplay *string            `json:"anon_display,omitempty"`
	Status      *string            `json:"status"`
	Language    *string            `json:"language"`
	URNs        []any              `json:"urns"`
	Groups      []ref              `json:"groups"`
	Notes       []contactNoteOut   `json:"notes"`
	Fields      map[string]*string `json:"fields"`
	Flow        *ref               `json:"flow"`
	CreatedOn   apiTime            `json:"created_on"`
	ModifiedOn  apiTime            `json:"modified_on"`
	LastSeenOn  *apiTime           `json:"last_seen_on"`
	Blocked     *bool              `json:"blocked"`
	Stopped     *bool              `json:"stopped"`
}

// contactOutWeni is Weni's contact: no status, flow, notes or refs; URNs carry their display.
type contactOutWeni struct {
	UUID       string             `json:"uuid"`
	Name       *string            `json:"name"`
	Language   *string            `json:"language"`
	URNs       []any              `json:"urns"`
	Groups     []ref              `json:"groups"`
	Fields     map[string]*string `json:"fields"`
	Blocked    *bool              `json:"blocked"`
	Stopped    *bool              `json:"stopped"`
	CreatedOn  apiTime            `json:"created_on"`
	ModifiedOn apiTime            `json:"modified_on"`
	LastSeenOn *apiTime           `json:"last_seen_on"`
}

// contactWriter turns contacts into the API's shapes, with what every contact of a page shares.
type contactWriter struct {
	c       *Ctx
	env     envs.Environment
	fields  []models.Field // the fields the caller may see, in key order
	details map[int64]*models.ContactDetails
	flows   map[int64]models.Ref // the flows contacts are waiting in, by id
	expand  bool
}

func newContactWriter(c *Ctx, contacts []models.Contact) (*contactWriter, error) {
	ctx := c.Request().Context()
	w := &contactWriter{c: c, env: flows.Environment(c.ws()), expand: queryBool(c.query, "expand_urns")}
	ids := make([]int64, len(contacts))
	var flowIDs []int64
	for i := range contacts {
		ids[i] = contacts[i].ID
		if id := contacts[i].CurrentFlowID; id != nil {
			flowIDs = append(flowIDs, *id)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { w.flows, err = c.store().FlowNames(gctx, c.ws().ID, flowIDs); return })
	g.Go(func() (err error) { w.fields, err = visibleFields(gctx, c); return })
	g.Go(func() (err error) { w.details, err = c.store().LoadContactDetails(gctx, ids); return })
	return w, g.Wait()
}

// visibleFields are the workspace's fields the caller may see: agents don't see fields hidden from them.
func visibleFields(ctx context.Context, c *Ctx) ([]models.Field, error) {
	q := c.store().Fields(c.ws().ID)
	if c.principal.Role == models.RoleAgent {
		q = q.VisibleToAgents()
	}
	return q.All(ctx)
}

func (w *contactWriter) write(ct *models.Contact) any {
	ws := w.c.ws()
	d := w.details[ct.ID]
	var lastSeen *apiTime
	if ct.LastSeenOn != nil {
		t := apiTime(*ct.LastSeenOn)
		lastSeen = &t
	}

	urnsOut, groups, fields := []any{}, []ref{}, map[string]*string{}
	var notes []contactNoteOut
	var status *string
	var blocked, stopped *bool
	if ct.IsActive && d != nil {
		for _, u := range d.URNs {
			urnsOut = append(urnsOut, w.writeURN(u))
		}
		for _, g := range d.Groups {
			groups = append(groups, ref{UUID: g.UUID, Name: g.Name})
		}
		for _, f := range w.fields {
			fields[f.Key] = flows.FormatFieldValue(w.env, f.ValueType, d.Fields[f.ID])
		}
		for _, n := range d.Notes {
			out := contactNoteOut{Text: n.Text, CreatedOn: apiTime(n.CreatedOn)}
			out.CreatedBy.Email = n.Email
			out.CreatedBy.Name = strings.TrimSpace(n.FirstName + " " + n.LastName)
			notes = append(notes, out)
		}
		s := string(ct.Status)
		status = &s
		b, st := ct.Status == models.ContactBlocked, ct.Status == models.ContactStopped
		blocked, stopped = &b, &st
	}
	if notes == nil {
		notes = []contactNoteOut{}
	}

	if w.c.weni() {
		return contactOutWeni{UUID: ct.UUID, Name: ct.Name, Language: ct.Language, URNs: urnsOut, Groups: groups, Fields: fields,
			Blocked: blocked, Stopped: stopped, CreatedOn: apiTime(ct.CreatedOn), ModifiedOn: apiTime(ct.ModifiedOn), LastSeenOn: lastSeen}
	}
	out := contactOut{UUID: ct.UUID, Name: ct.Name, Status: status, Language: ct.Language, URNs: urnsOut, Groups: groups, Notes: notes,
		Fields: fields, CreatedOn: apiTime(ct.CreatedOn), ModifiedOn: apiTime(ct.ModifiedOn), LastSeenOn: lastSeen, Blocked: blocked, Stopped: stopped}
	if ws.IsAnon {
		r := contactRef(ws, ct.ID)
		out.Ref, out.AnonDisplay = &r, &r
	}
	if ct.IsActive && ct.CurrentFlowID != nil {
		if f, ok := w.flows[*ct.CurrentFlowID]; ok {
			out.Flow = &ref{UUID: f.UUID, Name: f.Name}
		}
	}
	return out
}

func (w *contactWriter) writeURN(u models.ContactURN) any {
	path := u.Path
	if w.c.ws().IsAnon {
		path = urns.Mask
	}
	if w.expand {
		return expandedURN{Scheme: u.Scheme, Path: path, Display: u.Display}
	}
	if w.c.ws().IsAnon {
		return u.Scheme + ":" + path
	}
	s := u.Identity
	if w.c.weni() && u.Display != nil && *u.Display != "" {
		s += "#" + *u.Display
	}
	return s
}

// contactRef is the short reference that stands for a contact in anonymous workspaces.
func contactRef(ws *models.Workspace, id int64) string {
	r, err := obfuscate.EncodeID(id, flows.ObfuscationKey(ws))
	if err != nil {
		return fmt.Sprint(id)
	}
	return r
}
