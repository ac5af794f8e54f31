package api

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/urns"
	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/utils/obfuscate"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
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
		Contact: models.Contact{ID: 1, UUID: "09d23a05-47fe-11e4-bfe9-b8f6b119e9ab", Name: &name, Language: &lang, Status: models.ContactActive, IsActive: true},
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
		{Name: "urns", Help: "List of URNs of the contact (replaces the current ones)"},
		{Name: "groups", Help: "List of UUIDs or names of manual groups of the contact (replaces the current ones)"},
		{Name: "fields", Help: "Field values by key; an empty string or null clears one"},
		{Name: "note", Help: "A note about the contact"},
	},
	Example: Example{Body: map[string]any{"name": "Ben Haggerty", "language": "eng", "urns": []any{"tel:+250788123123"}, "groups": []any{}, "fields": map[string]any{}},
		Status: http.StatusCreated, Answer: objectAnswer(convertDetailedContact, exampleContact)}}

var contactsDeleteDocs = OperationDocs{Title: "Delete Contacts", Params: []Param{
	{Name: "uuid", Help: "UUID of the contact to delete"},
	{Name: "urn", Help: "URN of the contact to delete, e.g. tel:+250788123123"},
},
	Example: Example{Query: "uuid=09d23a05-47fe-11e4-bfe9-b8f6b119e9ab", Status: http.StatusNoContent}}

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
	flows   map[int64]ref // the flows contacts are waiting in, by id
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
	g.Go(func() (err error) { w.flows, err = flowRefs(gctx, c, flowIDs); return })
	g.Go(func() (err error) { w.fields, err = visibleFields(gctx, c); return })
	g.Go(func() (err error) { w.details, err = c.store().LoadContactDetails(gctx, ids); return })
	return w, g.Wait()
}

// flowRefs are references to flows by id.
func flowRefs(ctx context.Context, c *Ctx, ids []int64) (map[int64]ref, error) {
	refs := map[int64]ref{}
	if len(ids) == 0 {
		return refs, nil
	}
	var rows []models.Flow
	if err := c.store().Read(ctx).Select("id, uuid, name").Where("workspace_id = ? AND id IN ?", c.ws().ID, ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, f := range rows {
		refs[f.ID] = ref{UUID: f.UUID, Name: f.Name}
	}
	return refs, nil
}

// visibleFields are the workspace's fields the caller may see: agents don't see fields hidden from them.
func visibleFields(ctx context.Context, c *Ctx) ([]models.Field, error) {
	q := c.store().FieldsQuery(ctx, c.ws().ID).Order("key")
	if c.principal.Role == models.RoleAgent {
		q = q.Where("agent_access <> ?", models.AccessNone)
	}
	var fields []models.Field
	return fields, q.Find(&fields).Error
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
		s := ct.Status
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
			out.Flow = &f
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

// lookupURN reads a ?urn= parameter: normalized in the workspace's country, refused for anonymous workspaces.
func lookupURN(c *Ctx, raw string) (string, error) {
	if c.ws().IsAnon {
		return "", errQuery(urns.ErrAnonLookup.Error())
	}
	u, err := urns.LookupIdentity(raw, c.ws().CountryCode())
	if err != nil {
		return "", errQuery(err.Error())
	}
	return string(u), nil
}

func listContacts(c *Ctx) error {
	q, ord, err := contactsListing(c)
	if err != nil {
		return err
	}
	return respondPage(c, q, ord,
		func(ct *models.Contact) models.Position { return positionFor(ord, ct) },
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
func contactsListing(c *Ctx) (*gorm.DB, ordering, error) {
	ctx := c.Request().Context()
	ord := ordering{column: "c.modified_on", idColumn: "c.id", reversible: true}
	q := c.store().ContactsQuery(ctx, c.ws().ID, queryBool(c.query, "deleted"))

	uuid, err := uuidParam(c.query, "uuid")
	if err != nil {
		return nil, ord, err
	}
	if uuid != "" {
		q = q.Where("c.uuid = ?", uuid)
	}
	if raw := c.query.Get("urn"); raw != "" {
		identity, err := lookupURN(c, raw)
		if err != nil {
			return nil, ord, err
		}
		q = q.Where("EXISTS (SELECT 1 FROM contact_urns u WHERE u.contact_id = c.id AND u.identity = ?)", identity)
	}
	if groupRef := c.query.Get("group"); groupRef != "" {
		group, err := findGroupForFilter(c, groupRef)
		if err != nil {
			return nil, ord, err
		}
		if group == nil {
			q = q.Where("1 = 0")
		} else {
			q = q.Where("EXISTS (SELECT 1 FROM contact_group_members m WHERE m.contact_id = c.id AND m.group_id = ?)", group.ID)
		}
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
		q = q.Where("("+cond.SQL+")", cond.Args...)
	}
	if c.weni() {
		q = weniContactFilters(c, q)
		ord = weniContactOrdering(c, ord)
	}
	return timeRange(c.query).Apply(q, "c.modified_on"), ord, nil
}

// positionFor is a contact's place in the ordering a listing uses.
func positionFor(ord ordering, ct *models.Contact) models.Position {
	if ord.column == "c.created_on" {
		return models.Position{Time: ct.CreatedOn, ID: ct.ID}
	}
	return models.Position{Time: ct.ModifiedOn, ID: ct.ID}
}

// queryError answers a contact query that doesn't parse with the parser's message.
func queryError(err error) error {
	if qerr, ok := err.(*flows.QueryError); ok {
		return errQuery(qerr.Error())
	}
	return err
}

// findGroupForFilter finds the group a ?group= filter names: by UUID, or by exact name, as RapidPro does.
func findGroupForFilter(c *Ctx, value string) (*models.Group, error) {
	q := c.store().GroupsQuery(c.Request().Context(), c.ws().ID)
	if u, ok := normalizeUUID(value); ok {
		q = q.Where("uuid = ? OR name = ?", u, value)
	} else {
		q = q.Where("name = ?", value)
	}
	var groups []models.Group
	if err := q.Limit(1).Find(&groups).Error; err != nil || len(groups) == 0 {
		return nil, err
	}
	return &groups[0], nil
}

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
		contact = &models.Contact{}
		err := store.Read(ctx).Where("workspace_id = ? AND uuid = ?", ws.ID, lookupValue).Take(contact).Error
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
	if taken, ok := err.(*models.ErrURNTaken); ok {
		items := &indexedErrors{}
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
func readURNItems(c *Ctx, items []any) ([]models.URNSpec, *indexedErrors) {
	var specs []models.URNSpec
	itemErrs := &indexedErrors{}
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
		var itemErrs *indexedErrors
		spec.URNs, itemErrs = readURNItems(c, items)
		switch {
		case len(itemErrs.order) > 0:
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
		if err := readFieldValues(ctx, c, entries, v, &spec); err != nil {
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
// null clears, every key must be a field the caller may edit.
func readFieldValues(ctx context.Context, c *Ctx, entries map[string]any, v *validation, spec *models.ContactSpec) error {
	var fields []models.Field
	if err := c.store().FieldsQuery(ctx, c.ws().ID).Find(&fields).Error; err != nil {
		return err
	}
	byKey := map[string]*models.Field{}
	for i := range fields {
		byKey[fields[i].Key] = &fields[i]
	}

	itemErrs := &indexedErrors{}
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
	if len(itemErrs.order) > 0 {
		v.addNested("fields", itemErrs)
		return nil
	}

	env := flows.Environment(c.ws())
	spec.Fields = map[int64]*models.FieldValue{}
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
		if s := values[key]; s == nil || *s == "" {
			spec.Fields[field.ID] = nil
		} else {
			fv := flows.ParseFieldValue(env, *s)
			spec.Fields[field.ID] = &fv
		}
	}
	return nil
}

// resolveGroups finds the groups a list of references names, by UUID or name (ignoring case). msg is
// RapidPro's message for the first reference that fails.
func resolveGroups(ctx context.Context, c *Ctx, items []any, allowSmart bool) ([]models.Group, string, error) {
	var groups []models.Group
	for _, item := range items {
		g, msg, err := resolveGroup(ctx, c, item, allowSmart)
		if err != nil || msg != "" {
			return nil, msg, err
		}
		groups = append(groups, *g)
	}
	return groups, "", nil
}

func resolveGroup(ctx context.Context, c *Ctx, item any, allowSmart bool) (*models.Group, string, error) {
	if _, isString := item.(string); !isString && !isNumber(item) {
		return nil, "Must be a string or integer", nil
	}
	value := inputText(item)
	q := c.store().GroupsQuery(ctx, c.ws().ID)
	if u, ok := normalizeUUID(value); ok {
		q = q.Where("uuid = ? OR LOWER(name) = LOWER(?)", u, value)
	} else if value != "" && !strings.ContainsRune(value, 0) {
		q = q.Where("LOWER(name) = LOWER(?)", value)
	} else {
		return nil, "No such object: " + value, nil
	}
	var found []models.Group
	if err := q.Limit(1).Find(&found).Error; err != nil {
		return nil, "", err
	}
	if len(found) == 0 {
		return nil, "No such object: " + value, nil
	}
	if !allowSmart && (found[0].Query != nil || found[0].IsSystem) {
		return nil, "Contact group must not be query based: " + value, nil
	}
	return &found[0], "", nil
}

func deleteContact(c *Ctx) error {
	ctx := c.Request().Context()
	name, value, err := requireLookup(c.query, "uuid", "urn")
	if err != nil {
		return err
	}
	var contact *models.Contact
	if name == "uuid" {
		contact = &models.Contact{}
		err = c.store().Read(ctx).Where("workspace_id = ? AND uuid = ?", c.ws().ID, value).Take(contact).Error
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
	if err := c.store().DeleteContacts(ctx, []int64{contact.ID}); err != nil {
		return err
	}
	return c.noContent()
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
