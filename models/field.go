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
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	Key         string
	Name        string
	ValueType   string
	Featured    bool
	Priority    int
	AgentAccess string
	IsActive    bool
	CreatedOn   time.Time
	ModifiedOn  time.Time
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
type FieldQuery struct{ query[Field] }

// Fields starts a listing of the workspace's fields.
func (s *Store) Fields(workspaceID int64) *FieldQuery {
	return &FieldQuery{activeIn(s, workspaceID, "contact_fields", "created_on", func(x *Field) Position { return Position{Time: x.CreatedOn, ID: x.ID} })}
}

// WithKey keeps the field with a key.
func (q *FieldQuery) WithKey(key string) *FieldQuery { q.l.and("key = ?", key); return q }

// VisibleToAgents leaves out the fields hidden from agents.
func (q *FieldQuery) VisibleToAgents() *FieldQuery {
	q.l.and("agent_access <> ?", AccessNone)
	return q
}

// GetField finds an active field by key.
func (s *Store) GetField(ctx context.Context, workspaceID int64, key string) (*Field, error) {
	return getActive[Field](ctx, s, workspaceID, "key", key)
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
