package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// Contact statuses.
const (
	ContactActive   = "active"
	ContactBlocked  = "blocked"
	ContactStopped  = "stopped"
	ContactArchived = "archived"
)

// Bounds on what a contact holds.
const (
	MaxContactNameLen = 64
	MaxContactURNs    = 100
	MaxNoteLen        = 10000
	maxNotesKept      = 5
	topURNPriority    = 1000
)

// Contact is a person a workspace messages.
type Contact struct {
	ID          int64      `gorm:"primaryKey"`
	UUID        string     `gorm:"column:uuid"`
	WorkspaceID int64      `gorm:"column:workspace_id"`
	Name        *string    `gorm:"column:name"`
	NameLower   *string    `gorm:"column:name_lower"`
	NameTokens  string     `gorm:"column:name_tokens"`
	Language    *string    `gorm:"column:language"`
	Status      string     `gorm:"column:status"`
	IsActive    bool       `gorm:"column:is_active"`
	CreatedOn   time.Time  `gorm:"column:created_on"`
	ModifiedOn  time.Time  `gorm:"column:modified_on"`
	LastSeenOn  *time.Time `gorm:"column:last_seen_on"`
	// the session waiting for the contact's reply, and its flow
	CurrentSessionID *int64 `gorm:"column:current_session_id"`
	CurrentFlowID    *int64 `gorm:"column:current_flow_id"`
}

func (Contact) TableName() string { return "contacts" }

// ContactURN is one way of reaching a contact. Identity is "scheme:path", unique in a workspace.
type ContactURN struct {
	ID          int64   `gorm:"primaryKey"`
	WorkspaceID int64   `gorm:"column:workspace_id"`
	ContactID   int64   `gorm:"column:contact_id"`
	Identity    string  `gorm:"column:identity"`
	Scheme      string  `gorm:"column:scheme"`
	Path        string  `gorm:"column:path"`
	Display     *string `gorm:"column:display"`
	Priority    int     `gorm:"column:priority"`
}

func (ContactURN) TableName() string { return "contact_urns" }

// FieldValue is a contact's value for a field: the text as given, and what it reads as.
type FieldValue struct {
	Text     string
	Number   *decimal.Decimal
	Datetime *time.Time
}

// fieldValueRow is how a field value is stored: its typed columns make field queries plain SQL.
type fieldValueRow struct {
	ContactID     int64               `gorm:"column:contact_id"`
	FieldID       int64               `gorm:"column:field_id"`
	TextValue     string              `gorm:"column:text_value"`
	TextLower     string              `gorm:"column:text_lower"`
	NumberValue   decimal.NullDecimal `gorm:"column:number_value"`
	DatetimeValue *time.Time          `gorm:"column:datetime_value"`
}

func (fieldValueRow) TableName() string { return "contact_field_values" }

// groupMember puts a contact in a group.
type groupMember struct {
	GroupID   int64 `gorm:"column:group_id"`
	ContactID int64 `gorm:"column:contact_id"`
}

func (groupMember) TableName() string { return "contact_group_members" }

// ContactNote is a note a user left on a contact.
type ContactNote struct {
	ID          int64     `gorm:"primaryKey"`
	ContactID   int64     `gorm:"column:contact_id"`
	Text        string    `gorm:"column:text"`
	CreatedOn   time.Time `gorm:"column:created_on"`
	CreatedByID int64     `gorm:"column:created_by_id"`
}

func (ContactNote) TableName() string { return "contact_notes" }

// Condition is a SQL boolean expression over contacts (aliased c), with its arguments.
type Condition struct {
	SQL  string
	Args []any
}

// ContactRules are the flow engine's rules the store applies when contacts change; package flows provides
// them (models can't use the engine itself).
type ContactRules interface {
	// NameTokens gives the words "name ~" searches match a name by.
	NameTokens(name string) []string
	// GroupConditions translates smart groups' queries into conditions, by group id. A group whose query no
	// longer translates (its field was deleted, say) is left out.
	GroupConditions(ctx context.Context, s *Store, ws *Workspace, groups []Group) (map[int64]Condition, error)
}

// URNSpec is a normalized URN to give a contact.
type URNSpec struct {
	Identity string // scheme:path
	Scheme   string
	Path     string
	Display  string
}

// ContactSpec is what a write sets on a contact. Nil pointers and maps leave things as they are.
type ContactSpec struct {
	Name     *string // "" clears
	Language *string // "" clears
	URNs     []URNSpec
	SetURNs  bool                  // replace the URNs with URNs (which may be empty)
	Groups   []int64               // manual groups, replacing the current manual memberships when SetGroups
	SetGroup bool                  // replace manual group memberships with Groups
	Fields   map[int64]*FieldValue // by field id; nil value clears
	Note     *string
	NoteBy   int64 // user leaving the note
}

// ErrURNTaken is returned when a URN already belongs to another contact; Index is its place in the spec.
type ErrURNTaken struct{ Index int }

func (e *ErrURNTaken) Error() string {
	return fmt.Sprintf("URN %d is in use by another contact", e.Index)
}

// ContactsQuery selects a workspace's contacts as c: active ones, or deleted ones only.
func (s *Store) ContactsQuery(ctx context.Context, workspaceID int64, deleted bool) *gorm.DB {
	return s.Read(ctx).Table("contacts AS c").Select("c.*").Where("c.workspace_id = ? AND c.is_active = ?", workspaceID, !deleted)
}

// GetContact finds an active contact by UUID.
func (s *Store) GetContact(ctx context.Context, workspaceID int64, uuid string) (*Contact, error) {
	c := &Contact{}
	return c, s.Read(ctx).Where("workspace_id = ? AND uuid = ? AND is_active", workspaceID, uuid).Take(c).Error
}

// GetContactByURN finds the active contact with a URN identity.
func (s *Store) GetContactByURN(ctx context.Context, workspaceID int64, identity string) (*Contact, error) {
	c := &Contact{}
	return c, s.Read(ctx).Table("contacts AS c").Select("c.*").
		Joins("JOIN contact_urns u ON u.contact_id = c.id").
		Where("u.workspace_id = ? AND u.identity = ? AND c.is_active", workspaceID, identity).Take(c).Error
}

// FindContacts finds active contacts by UUID or URN identity, for references in payloads. The answer maps
// each value that matched to its contact.
func (s *Store) FindContacts(ctx context.Context, workspaceID int64, uuids, identities []string) (byUUID, byIdentity map[string]*Contact, err error) {
	byUUID, byIdentity = map[string]*Contact{}, map[string]*Contact{}
	if len(uuids) > 0 {
		var found []Contact
		if err := s.Read(ctx).Where("workspace_id = ? AND is_active AND uuid IN ?", workspaceID, uuids).Find(&found).Error; err != nil {
			return nil, nil, err
		}
		for i := range found {
			byUUID[found[i].UUID] = &found[i]
		}
	}
	if len(identities) > 0 {
		var rows []struct {
			Contact
			Identity string
		}
		err := s.Read(ctx).Table("contacts AS c").Select("c.*, u.identity AS identity").
			Joins("JOIN contact_urns u ON u.contact_id = c.id").
			Where("u.workspace_id = ? AND c.is_active AND u.identity IN ?", workspaceID, identities).Find(&rows).Error
		if err != nil {
			return nil, nil, err
		}
		for i := range rows {
			c := rows[i].Contact
			byIdentity[rows[i].Identity] = &c
		}
	}
	return byUUID, byIdentity, nil
}

// CreateContact makes an active contact from spec.
func (s *Store) CreateContact(ctx context.Context, ws *Workspace, spec ContactSpec) (*Contact, error) {
	var c *Contact
	err := s.Write(ctx, func(tx *gorm.DB) (err error) {
		c, err = s.CreateContactTx(ctx, tx, ws, spec)
		return err
	})
	return c, err
}

// CreateContactTx makes an active contact from spec inside a transaction the caller holds.
func (s *Store) CreateContactTx(ctx context.Context, tx *gorm.DB, ws *Workspace, spec ContactSpec) (*Contact, error) {
	now := s.now()
	c := &Contact{UUID: s.NewUUID(), WorkspaceID: ws.ID, Status: ContactActive, IsActive: true, CreatedOn: now, ModifiedOn: now}
	// a URN that's taken refuses the contact before anything is written
	if err := checkURNsFree(tx, ws.ID, 0, spec.URNs); err != nil {
		return c, err
	}
	s.applyScalars(c, spec)
	if err := tx.Create(c).Error; err != nil {
		return c, err
	}
	return c, s.applySpec(ctx, tx, ws, c, spec, now)
}

// UpdateContact applies spec to a contact.
func (s *Store) UpdateContact(ctx context.Context, ws *Workspace, c *Contact, spec ContactSpec) error {
	return s.Write(ctx, func(tx *gorm.DB) error { return s.UpdateContactTx(ctx, tx, ws, c, spec) })
}

// UpdateContactTx applies spec to a contact inside a transaction the caller holds.
func (s *Store) UpdateContactTx(ctx context.Context, tx *gorm.DB, ws *Workspace, c *Contact, spec ContactSpec) error {
	now := s.now()
	s.applyScalars(c, spec)
	c.ModifiedOn = now
	err := tx.Model(&Contact{}).Where("id = ?", c.ID).Updates(map[string]any{
		"name": c.Name, "name_lower": c.NameLower, "name_tokens": c.NameTokens, "language": c.Language, "modified_on": now,
	}).Error
	if err != nil {
		return err
	}
	return s.applySpec(ctx, tx, ws, c, spec, now)
}

// SetStatusTx changes contacts' status inside a transaction the caller holds (see SetStatus).
func (s *Store) SetStatusTx(ctx context.Context, tx *gorm.DB, ws *Workspace, contactIDs []int64, status string) error {
	err := tx.Model(&Contact{}).Where("id IN ? AND status <> ?", contactIDs, status).
		Updates(map[string]any{"status": status, "modified_on": s.now()}).Error
	if err != nil {
		return err
	}
	return s.reevaluateSmartGroups(ctx, tx, ws, contactIDs)
}

// FreeURNs keeps the URNs that no contact but contactID has.
func FreeURNs(tx *gorm.DB, workspaceID, contactID int64, urns []URNSpec) ([]URNSpec, error) {
	var free []URNSpec
	for _, u := range urns {
		if err := checkURNsFree(tx, workspaceID, contactID, []URNSpec{u}); err == nil {
			free = append(free, u)
		} else if _, taken := err.(*ErrURNTaken); !taken {
			return nil, err
		}
	}
	return free, nil
}

func (s *Store) applyScalars(c *Contact, spec ContactSpec) {
	if spec.Name != nil {
		c.Name, c.NameLower, c.NameTokens = nil, nil, ""
		if *spec.Name != "" {
			name, lower := *spec.Name, strings.ToLower(*spec.Name)
			c.Name, c.NameLower = &name, &lower
			if s.Rules != nil {
				c.NameTokens = " " + strings.Join(s.Rules.NameTokens(name), " ") + " "
			}
		}
	}
	if spec.Language != nil {
		c.Language = nil
		if *spec.Language != "" {
			lang := *spec.Language
			c.Language = &lang
		}
	}
}

// applySpec writes a contact's URNs, field values, groups and note, then its smart group memberships.
func (s *Store) applySpec(ctx context.Context, tx *gorm.DB, ws *Workspace, c *Contact, spec ContactSpec, now time.Time) error {
	if spec.SetURNs {
		if err := setURNs(tx, c, spec.URNs); err != nil {
			return err
		}
	}
	for fieldID, v := range spec.Fields {
		if err := tx.Where("contact_id = ? AND field_id = ?", c.ID, fieldID).Delete(&fieldValueRow{}).Error; err != nil {
			return err
		}
		if v == nil || v.Text == "" {
			continue
		}
		row := &fieldValueRow{ContactID: c.ID, FieldID: fieldID, TextValue: v.Text, TextLower: strings.ToLower(v.Text), DatetimeValue: v.Datetime}
		if v.Number != nil {
			row.NumberValue = decimal.NullDecimal{Decimal: *v.Number, Valid: true}
		}
		if err := tx.Create(row).Error; err != nil {
			return err
		}
	}
	if spec.SetGroup {
		manual := tx.Table("contact_groups").Select("id").Where("workspace_id = ? AND query IS NULL AND NOT is_system", ws.ID)
		if err := tx.Where("contact_id = ? AND group_id IN (?)", c.ID, manual).Delete(&groupMember{}).Error; err != nil {
			return err
		}
		if err := addMembers(tx, spec.Groups, []int64{c.ID}); err != nil {
			return err
		}
	}
	if spec.Note != nil {
		if err := tx.Create(&ContactNote{ContactID: c.ID, Text: *spec.Note, CreatedOn: now, CreatedByID: spec.NoteBy}).Error; err != nil {
			return err
		}
		// only the latest few notes are kept, as in RapidPro
		keep := tx.Table("contact_notes").Select("id").Where("contact_id = ?", c.ID).Order("id DESC").Limit(maxNotesKept)
		if err := tx.Where("contact_id = ? AND id NOT IN (?)", c.ID, keep).Delete(&ContactNote{}).Error; err != nil {
			return err
		}
	}
	return s.reevaluateSmartGroups(ctx, tx, ws, []int64{c.ID})
}

// checkURNsFree refuses URNs that belong to a contact other than contactID.
func checkURNsFree(tx *gorm.DB, workspaceID, contactID int64, urns []URNSpec) error {
	if len(urns) == 0 {
		return nil
	}
	identities := make([]string, len(urns))
	for i, u := range urns {
		identities[i] = u.Identity
	}
	var taken []string
	err := tx.Model(&ContactURN{}).Where("workspace_id = ? AND identity IN ? AND contact_id <> ?", workspaceID, identities, contactID).
		Pluck("identity", &taken).Error
	if err != nil {
		return err
	}
	for i, id := range identities {
		for _, t := range taken {
			if id == t {
				return &ErrURNTaken{Index: i}
			}
		}
	}
	return nil
}

// setURNs replaces a contact's URNs, the first the highest priority. A URN of another contact is refused.
func setURNs(tx *gorm.DB, c *Contact, urns []URNSpec) error {
	if err := checkURNsFree(tx, c.WorkspaceID, c.ID, urns); err != nil {
		return err
	}
	if err := tx.Where("contact_id = ?", c.ID).Delete(&ContactURN{}).Error; err != nil {
		return err
	}
	seen := map[string]bool{}
	priority := topURNPriority
	for i, u := range urns {
		if seen[u.Identity] {
			continue
		}
		seen[u.Identity] = true
		row := &ContactURN{WorkspaceID: c.WorkspaceID, ContactID: c.ID, Identity: u.Identity, Scheme: u.Scheme, Path: u.Path, Priority: priority}
		if u.Display != "" {
			display := u.Display
			row.Display = &display
		}
		if err := tx.Create(row).Error; err != nil {
			if IsDuplicate(err) { // lost a race for it
				return &ErrURNTaken{Index: i}
			}
			return err
		}
		priority--
	}
	return nil
}

func addMembers(tx *gorm.DB, groupIDs, contactIDs []int64) error {
	for _, g := range groupIDs {
		for _, c := range contactIDs {
			err := tx.Exec("INSERT INTO contact_group_members (group_id, contact_id) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM contact_group_members WHERE group_id = ? AND contact_id = ?)", g, c, g, c).Error
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// ChangeGroup adds contacts to, or removes them from, a manual group.
func (s *Store) ChangeGroup(ctx context.Context, ws *Workspace, group *Group, contactIDs []int64, add bool) error {
	return s.Write(ctx, func(tx *gorm.DB) error {
		var err error
		if add {
			err = addMembers(tx, []int64{group.ID}, contactIDs)
		} else {
			err = tx.Where("group_id = ? AND contact_id IN ?", group.ID, contactIDs).Delete(&groupMember{}).Error
		}
		if err != nil {
			return err
		}
		return touchContacts(tx, contactIDs, s.now())
	})
}

// SetStatus changes contacts' status. Non-active contacts leave every smart group (their queries only ever
// match active contacts); manual memberships stay, as in RapidPro.
func (s *Store) SetStatus(ctx context.Context, ws *Workspace, contactIDs []int64, status string) error {
	return s.Write(ctx, func(tx *gorm.DB) error { return s.SetStatusTx(ctx, tx, ws, contactIDs, status) })
}

// DeleteContacts soft-deletes contacts: they keep their UUIDs and timestamps (clients learn of deletions
// through the API) but lose their name, URNs (free for others), field values, groups and notes.
func (s *Store) DeleteContacts(ctx context.Context, contactIDs []int64) error {
	return s.Write(ctx, func(tx *gorm.DB) error {
		for _, model := range []any{&ContactURN{}, &fieldValueRow{}, &groupMember{}, &ContactNote{}} {
			if err := tx.Where("contact_id IN ?", contactIDs).Delete(model).Error; err != nil {
				return err
			}
		}
		return tx.Model(&Contact{}).Where("id IN ?", contactIDs).Updates(map[string]any{
			"is_active": false, "name": nil, "name_lower": nil, "name_tokens": "", "language": nil, "modified_on": s.now(),
		}).Error
	})
}

func touchContacts(tx *gorm.DB, contactIDs []int64, now time.Time) error {
	return tx.Model(&Contact{}).Where("id IN ?", contactIDs).Update("modified_on", now).Error
}

// reevaluateSmartGroups puts contacts in exactly the smart groups whose queries they match.
func (s *Store) reevaluateSmartGroups(ctx context.Context, tx *gorm.DB, ws *Workspace, contactIDs []int64) error {
	if s.Rules == nil || len(contactIDs) == 0 {
		return nil
	}
	var groups []Group
	if err := tx.Where("workspace_id = ? AND is_active AND query IS NOT NULL AND NOT is_system", ws.ID).Find(&groups).Error; err != nil {
		return err
	}
	if len(groups) == 0 {
		return nil
	}
	conds, err := s.Rules.GroupConditions(ctx, s, ws, groups)
	if err != nil {
		return err
	}
	for _, g := range groups {
		cond, ok := conds[g.ID]
		if !ok {
			continue
		}
		if err := tx.Where("group_id = ? AND contact_id IN ?", g.ID, contactIDs).Delete(&groupMember{}).Error; err != nil {
			return err
		}
		args := append([]any{g.ID, contactIDs}, cond.Args...)
		err := tx.Exec(`INSERT INTO contact_group_members (group_id, contact_id)
			SELECT ?, c.id FROM contacts c WHERE c.id IN ? AND c.is_active AND c.status = 'active' AND (`+cond.SQL+`)`, args...).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// EvaluateGroup works out a smart group's members from scratch and marks it ready.
func (s *Store) EvaluateGroup(ctx context.Context, ws *Workspace, g *Group, cond Condition) error {
	return s.Write(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("group_id = ?", g.ID).Delete(&groupMember{}).Error; err != nil {
			return err
		}
		args := append([]any{g.ID, ws.ID}, cond.Args...)
		err := tx.Exec(`INSERT INTO contact_group_members (group_id, contact_id)
			SELECT ?, c.id FROM contacts c WHERE c.workspace_id = ? AND c.is_active AND c.status = 'active' AND (`+cond.SQL+`)`, args...).Error
		if err != nil {
			return err
		}
		if err := tx.Model(&Group{}).Where("id = ? AND status = ?", g.ID, GroupEvaluating).Update("status", GroupReady).Error; err != nil {
			return err
		}
		return bumpConfigVersion(tx, ws.ID)
	})
}

// GroupCounts counts the members of groups, by group id.
func (s *Store) GroupCounts(ctx context.Context, groupIDs []int64) (map[int64]int64, error) {
	counts := map[int64]int64{}
	if len(groupIDs) == 0 {
		return counts, nil
	}
	var rows []struct {
		GroupID int64
		N       int64
	}
	err := s.Read(ctx).Table("contact_group_members").Select("group_id, COUNT(*) AS n").
		Where("group_id IN ?", groupIDs).Group("group_id").Scan(&rows).Error
	for _, r := range rows {
		counts[r.GroupID] = r.N
	}
	return counts, err
}

// ContactDetails is everything the API shows of a contact besides its own columns.
type ContactDetails struct {
	URNs   []ContactURN
	Groups []Group
	Fields map[int64]*FieldValue // by field id
	Notes  []NoteWithAuthor
}

// NoteWithAuthor is a note with who wrote it.
type NoteWithAuthor struct {
	ContactNote
	Email     string
	FirstName string
	LastName  string
}

// LoadContactDetails loads the URNs (by priority), groups (by id), field values and notes of contacts. The
// four queries are independent, so they run at once: a page waits for the slowest, not for their sum.
func (s *Store) LoadContactDetails(ctx context.Context, contactIDs []int64) (map[int64]*ContactDetails, error) {
	details := make(map[int64]*ContactDetails, len(contactIDs))
	for _, id := range contactIDs {
		details[id] = &ContactDetails{Fields: map[int64]*FieldValue{}}
	}
	if len(contactIDs) == 0 {
		return details, nil
	}
	var urns []ContactURN
	var groups []memberGroup
	var values []contactFieldValue
	var notes []NoteWithAuthor
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return s.Read(gctx).Where("contact_id IN ?", contactIDs).Order("priority DESC, id").Find(&urns).Error
	})
	g.Go(func() (err error) { groups, err = s.loadMemberGroups(gctx, contactIDs); return })
	g.Go(func() (err error) { values, err = s.loadFieldValues(gctx, contactIDs); return })
	g.Go(func() error {
		return s.Read(gctx).Table("contact_notes AS n").Select("n.*, u.email AS email, u.first_name AS first_name, u.last_name AS last_name").
			Joins("JOIN users u ON u.id = n.created_by_id").Where("n.contact_id IN ?", contactIDs).Order("n.id").Find(&notes).Error
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, u := range urns {
		details[u.ContactID].URNs = append(details[u.ContactID].URNs, u)
	}
	for _, m := range groups {
		details[m.contactID].Groups = append(details[m.contactID].Groups, m.group)
	}
	for _, v := range values {
		details[v.contactID].Fields[v.fieldID] = v.value
	}
	for _, n := range notes {
		details[n.ContactID].Notes = append(details[n.ContactID].Notes, n)
	}
	return details, nil
}

type memberGroup struct {
	contactID int64
	group     Group
}

// loadMemberGroups reads the groups of contacts. Rows are many on a page (and field values more so: five a
// contact make 1,250), so they are scanned by hand rather than by reflection.
func (s *Store) loadMemberGroups(ctx context.Context, contactIDs []int64) ([]memberGroup, error) {
	rows, err := s.Read(ctx).Table("contact_groups AS g").Select("m.contact_id, g.id, g.uuid, g.name").
		Joins("JOIN contact_group_members m ON m.group_id = g.id").
		Where("m.contact_id IN ? AND g.is_active", contactIDs).Order("g.id").Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []memberGroup
	for rows.Next() {
		var m memberGroup
		if err := rows.Scan(&m.contactID, &m.group.ID, &m.group.UUID, &m.group.Name); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

type contactFieldValue struct {
	contactID, fieldID int64
	value              *FieldValue
}

func (s *Store) loadFieldValues(ctx context.Context, contactIDs []int64) ([]contactFieldValue, error) {
	rows, err := s.Read(ctx).Table("contact_field_values").Select("contact_id, field_id, text_value, number_value, datetime_value").
		Where("contact_id IN ?", contactIDs).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contactFieldValue
	for rows.Next() {
		v := contactFieldValue{value: &FieldValue{}}
		var number decimal.NullDecimal
		if err := rows.Scan(&v.contactID, &v.fieldID, &v.value.Text, &number, &v.value.Datetime); err != nil {
			return nil, err
		}
		if number.Valid {
			v.value.Number = &number.Decimal
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
