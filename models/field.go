package models

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// Contact field value types (the engine's names).
const (
	FieldText     = "text"
	FieldNumber   = "number"
	FieldDatetime = "datetime"
	FieldState    = "state"
	FieldDistrict = "district"
	FieldWard     = "ward"
)

// FieldTypes are the value types a field may have.
var FieldTypes = []string{FieldText, FieldNumber, FieldDatetime, FieldState, FieldDistrict, FieldWard}

// Agent access levels to a field's values.
const (
	AccessNone = "none"
	AccessView = "view"
	AccessEdit = "edit"
)

// MaxFieldKeyLen and MaxFieldNameLen bound a field's key and name.
const (
	MaxFieldKeyLen  = 36
	MaxFieldNameLen = 36
)

// reservedFieldKeys can't be field keys: the contact query language and system fields use them.
var reservedFieldKeys = map[string]bool{"has": true, "is": true, "fields": true, "urns": true, "created_on": true, "last_seen_on": true}

// Field is a custom contact field.
type Field struct {
	ID          int64     `gorm:"primaryKey"`
	UUID        string    `gorm:"column:uuid"`
	WorkspaceID int64     `gorm:"column:workspace_id"`
	Key         string    `gorm:"column:key"`
	Name        string    `gorm:"column:name"`
	ValueType   string    `gorm:"column:value_type"`
	Featured    bool      `gorm:"column:featured"`
	Priority    int       `gorm:"column:priority"`
	AgentAccess string    `gorm:"column:agent_access"`
	IsActive    bool      `gorm:"column:is_active"`
	CreatedOn   time.Time `gorm:"column:created_on"`
	ModifiedOn  time.Time `gorm:"column:modified_on"`
}

func (Field) TableName() string { return "contact_fields" }

var (
	nonKeyChars   = regexp.MustCompile(`[^a-z0-9]+`)
	fieldKeyRegex = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// MakeKey derives a field or global key from a name: lowercase, runs of anything else become one underscore.
func MakeKey(name string) string {
	spaced := nonKeyChars.ReplaceAllString(strings.ToLower(name), " ")
	return nonKeyChars.ReplaceAllString(strings.TrimSpace(spaced), "_")
}

// ValidFieldKey reports whether key may be a contact field key.
func ValidFieldKey(key string) bool {
	return fieldKeyRegex.MatchString(key) && !reservedFieldKeys[key] && len(key) <= MaxFieldKeyLen
}

var fieldNameRegex = regexp.MustCompile(`^[A-Za-z0-9\- ]+$`)

// ValidFieldName reports whether name may be a contact field name.
func ValidFieldName(name string) bool {
	return name == strings.TrimSpace(name) && fieldNameRegex.MatchString(name) && len(name) <= MaxFieldNameLen
}

// FieldQuery builds a listing of a workspace's active fields, ordered by when they were made.
type FieldQuery struct {
	s *Store
	l listing
}

// Fields starts a listing of the workspace's fields.
func (s *Store) Fields(workspaceID int64) *FieldQuery {
	q := &FieldQuery{s: s, l: newListing("contact_fields", "created_on", "id")}
	q.l.and("workspace_id = ? AND is_active", workspaceID)
	return q
}

// WithKey keeps the field with a key.
func (q *FieldQuery) WithKey(key string) *FieldQuery { q.l.and("key = ?", key); return q }

// VisibleToAgents leaves out the fields hidden from agents.
func (q *FieldQuery) VisibleToAgents() *FieldQuery {
	q.l.and("agent_access <> ?", AccessNone)
	return q
}

// Page reads one page of the listing.
func (q *FieldQuery) Page(ctx context.Context, spec PageSpec) (*Page[Field], error) {
	return readPage(ctx, q.s.db, q.l, spec, func(f *Field) Position { return Position{Time: f.CreatedOn, ID: f.ID} })
}

// All reads every field of the listing, oldest first.
func (q *FieldQuery) All(ctx context.Context) ([]Field, error) {
	return readAll[Field](ctx, q.s.db, q.l)
}

// GetField finds an active field by key.
func (s *Store) GetField(ctx context.Context, workspaceID int64, key string) (*Field, error) {
	f := &Field{}
	return f, s.read(ctx).Where("workspace_id = ? AND is_active AND key = ?", workspaceID, key).Take(f).Error
}

// FieldNameTaken reports whether another active field has name (ignoring case).
func (s *Store) FieldNameTaken(ctx context.Context, workspaceID int64, name string, exceptID int64) (bool, error) {
	return s.nameTaken(ctx, "contact_fields", workspaceID, "name", name, exceptID)
}

// FieldKeyTaken reports whether another active field has key.
func (s *Store) FieldKeyTaken(ctx context.Context, workspaceID int64, key string, exceptID int64) (bool, error) {
	return s.nameTaken(ctx, "contact_fields", workspaceID, "key", key, exceptID)
}

// CreateField makes a field whose key is derived from its name.
func (s *Store) CreateField(ctx context.Context, workspaceID int64, name, valueType string) (*Field, error) {
	now := s.now()
	f := &Field{UUID: s.NewUUID(), WorkspaceID: workspaceID, Key: MakeKey(name), Name: name, ValueType: valueType,
		AgentAccess: AccessView, IsActive: true, CreatedOn: now, ModifiedOn: now}
	return f, s.createLimited(ctx, "fields", workspaceID, f)
}

// UpdateField renames a field and changes its type; its key stays.
func (s *Store) UpdateField(ctx context.Context, f *Field, name, valueType string) error {
	now := s.now()
	if err := s.updateColumns(ctx, f.WorkspaceID, "contact_fields", f.ID, map[string]any{"name": name, "value_type": valueType, "modified_on": now}); err != nil {
		return err
	}
	f.Name, f.ValueType, f.ModifiedOn = name, valueType, now
	return nil
}
