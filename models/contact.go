package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	gurns "github.com/nyaruka/gocommon/urns"
	"github.com/shopspring/decimal"
)

// ContactStatus is where a contact stands with the workspace.
type ContactStatus string

// Contact statuses.
const (
	ContactActive   ContactStatus = "active"
	ContactBlocked  ContactStatus = "blocked"
	ContactStopped  ContactStatus = "stopped"
	ContactArchived ContactStatus = "archived"
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
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	Name        *string
	NameLower   *string
	NameTokens  string
	Language    *string
	Status      ContactStatus
	IsActive    bool
	CreatedOn   time.Time
	ModifiedOn  time.Time
	LastSeenOn  *time.Time
	// the session waiting for the contact's reply, and its flow
	CurrentSessionID *int64
	CurrentFlowID    *int64
}

func (Contact) TableName() string { return "contacts" }

// ContactURN is one way of reaching a contact. Identity is "scheme:path", unique in a workspace.
type ContactURN struct {
	ID          int64 `gorm:"primaryKey"`
	WorkspaceID int64
	ContactID   int64
	Identity    string
	Scheme      string
	Path        string
	Display     *string
	Priority    int
	ChannelID   *int64 // the channel the contact last wrote in on with it: messages to it go out there
}

func (ContactURN) TableName() string { return "contact_urns" }

// FieldValue is a contact's value for a field: the text as given, and what it reads as. State, District and
// Ward are the paths of the boundaries it resolved to ("Rwanda > Kigali City"), "" when none: a district's
// value has its state's path too, a ward's both, as the engine and RapidPro keep them.
type FieldValue struct {
	Text     string
	Number   *decimal.Decimal
	Datetime *time.Time
	State    string
	District string
	Ward     string
}

// LocationName is the name a location path ends with, the boundary's own: "Kigali City" of "Rwanda > Kigali City".
func LocationName(path string) string {
	return strings.TrimSpace(path[strings.LastIndex(path, ">")+1:])
}

// locationKey is what queries match a location path by: its name, lowercased; nil for no path.
func locationKey(path string) *string {
	if path == "" {
		return nil
	}
	k := strings.ToLower(LocationName(path))
	return &k
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// fieldValueRow is how a field value is stored: its typed columns make field queries plain SQL.
type fieldValueRow struct {
	ContactID     int64
	FieldID       int64
	TextValue     string
	TextLower     string
	NumberValue   decimal.NullDecimal
	DatetimeValue *time.Time
	StateValue    *string
	StateKey      *string
	DistrictValue *string
	DistrictKey   *string
	WardValue     *string
	WardKey       *string
}

func (fieldValueRow) TableName() string { return "contact_field_values" }

// groupMember puts a contact in a group.
type groupMember struct {
	GroupID   int64
	ContactID int64
}

func (groupMember) TableName() string { return "contact_group_members" }

// ContactNote is a note a user left on a contact.
type ContactNote struct {
	ID          int64 `gorm:"primaryKey"`
	ContactID   int64
	Text        string
	CreatedOn   time.Time
	CreatedByID int64
}

func (ContactNote) TableName() string { return "contact_notes" }

// Condition is a SQL boolean expression over contacts (aliased c), with its arguments: a contact query as
// package flows translates it.
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

// URNSpecFor splits a normalized URN into what a contact stores of it.
func URNSpecFor(u gurns.URN) URNSpec {
	scheme, path, _, display := u.ToParts()
	return URNSpec{Identity: string(u.Identity()), Scheme: scheme, Path: path, Display: display}
}

// ErrURNTaken is returned when a URN already belongs to another contact; Index is its place in the spec.
type ErrURNTaken struct{ Index int }

func (e *ErrURNTaken) Error() string {
	return fmt.Sprintf("URN %d is in use by another contact", e.Index)
}

// GetContact finds an active contact by UUID.
func (s *Store) GetContact(ctx context.Context, workspaceID int64, uuid string) (*Contact, error) {
	return getActive[Contact](ctx, s, workspaceID, "uuid", uuid)
}

// GetContactAnyState finds a contact by UUID, deleted ones too (writes to them are refused with a message).
func (s *Store) GetContactAnyState(ctx context.Context, workspaceID int64, uuid string) (*Contact, error) {
	c := &Contact{}
	return c, s.read(ctx).Where("workspace_id = ? AND uuid = ?", workspaceID, uuid).Take(c).Error
}

// GetContactByURN finds the active contact with a URN identity.
func (s *Store) GetContactByURN(ctx context.Context, workspaceID int64, identity string) (*Contact, error) {
	return s.Reader(ctx).contactByURN(workspaceID, identity)
}

func (r *Reader) contactByURN(workspaceID int64, identity string) (*Contact, error) {
	c := &Contact{}
	return c, r.db.Table("contacts AS c").Select("c.*").
		Joins("JOIN contact_urns u ON u.contact_id = c.id").
		Where("u.workspace_id = ? AND u.identity = ? AND c.is_active", workspaceID, identity).Take(c).Error
}

// ActiveContacts reads a workspace's active contacts among ids, in id order.
func (r *Reader) ActiveContacts(workspaceID int64, ids []int64) ([]*Contact, error) {
	var rows []*Contact
	return rows, r.db.Where("workspace_id = ? AND id IN ? AND is_active", workspaceID, ids).Order("id").Find(&rows).Error
}

// ContactIDs are the ids of a workspace's active contacts with the given UUIDs, in id order.
func (r *Reader) ContactIDs(workspaceID int64, uuids []string) ([]int64, error) {
	var ids []int64
	if len(uuids) == 0 {
		return nil, nil
	}
	return ids, r.db.Model(&Contact{}).Where("workspace_id = ? AND is_active AND uuid IN ?", workspaceID, uuids).Order("id").Pluck("id", &ids).Error
}

// ContactUUID is the UUID of a contact of the workspace, "" if it has none such.
func (s *Store) ContactUUID(ctx context.Context, workspaceID, id int64) (string, error) {
	var uuids []string
	err := s.read(ctx).Model(&Contact{}).Where("workspace_id = ? AND id = ?", workspaceID, id).Pluck("uuid", &uuids).Error
	if err != nil || len(uuids) == 0 {
		return "", err
	}
	return uuids[0], nil
}

// FindContacts finds active contacts by UUID or URN identity, for references in payloads. The answer maps
// each value that matched to its contact.
func (s *Store) FindContacts(ctx context.Context, workspaceID int64, uuids, identities []string) (byUUID, byIdentity map[string]*Contact, err error) {
	byUUID, byIdentity = map[string]*Contact{}, map[string]*Contact{}
	if len(uuids) > 0 {
		var found []Contact
		if err := s.read(ctx).Where("workspace_id = ? AND is_active AND uuid IN ?", workspaceID, uuids).Find(&found).Error; err != nil {
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
		err := s.read(ctx).Table("contacts AS c").Select("c.*, u.identity AS identity").
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
