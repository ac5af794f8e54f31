package models

import (
	"context"
	"regexp"
	"time"
)

// Bounds on a global's key, name and value.
const (
	MaxGlobalKeyLen   = 36
	MaxGlobalNameLen  = 36
	MaxGlobalValueLen = 10000
)

// Global is a workspace-wide named value that flows and messages can use.
type Global struct {
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	Key         string
	Name        string
	Value       string
	IsActive    bool
	CreatedOn   time.Time
	ModifiedOn  time.Time
}

func (Global) TableName() string { return "globals" }

var (
	globalNameRegex = regexp.MustCompile(`^[A-Za-z0-9_\- ]+$`)
	globalKeyRegex  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// ValidGlobalName reports whether name may be a global's name.
func ValidGlobalName(name string) bool {
	return globalNameRegex.MatchString(name) && len(name) <= MaxGlobalNameLen
}

// ValidGlobalKey reports whether key may be a global's key.
func ValidGlobalKey(key string) bool {
	return globalKeyRegex.MatchString(key) && len(key) <= MaxGlobalKeyLen
}

// GlobalQuery builds a listing of a workspace's active globals, ordered by when they were last changed.
type GlobalQuery struct{ query[Global] }

// Globals starts a listing of the workspace's globals.
func (s *Store) Globals(workspaceID int64) *GlobalQuery {
	return &GlobalQuery{activeIn(s, workspaceID, "globals", "modified_on", func(x *Global) Position { return Position{Time: x.ModifiedOn, ID: x.ID} })}
}

// WithKey keeps the global with a key.
func (q *GlobalQuery) WithKey(key string) *GlobalQuery { q.l.and("key = ?", key); return q }

// ModifiedIn keeps the globals last changed within a range.
func (q *GlobalQuery) ModifiedIn(r TimeRange) *GlobalQuery { q.l.within("modified_on", r); return q }

// GetGlobal finds an active global by key.
func (s *Store) GetGlobal(ctx context.Context, workspaceID int64, key string) (*Global, error) {
	return getActive[Global](ctx, s, workspaceID, "key", key)
}

// GlobalNameTaken reports whether another active global has name (ignoring case).
func (s *Store) GlobalNameTaken(ctx context.Context, workspaceID int64, name string, exceptID int64) (bool, error) {
	return s.nameTaken(ctx, "globals", workspaceID, "name", name, exceptID)
}

// CreateGlobal makes a global keyed by its name, or, as RapidPro does, sets the value of the active global that
// already has that key. created tells which happened.
func (s *Store) CreateGlobal(ctx context.Context, workspaceID int64, name, value string) (g *Global, created bool, err error) {
	key := MakeKey(name)
	if existing, err := s.GetGlobal(ctx, workspaceID, key); err == nil {
		return existing, false, s.SetGlobalValue(ctx, existing, value)
	} else if !IsNotFound(err) {
		return nil, false, err
	}
	now := s.now()
	g = &Global{UUID: s.NewUUID(), WorkspaceID: workspaceID, Key: key, Name: name, Value: value, IsActive: true,
		CreatedOn: now, ModifiedOn: now}
	return g, true, s.createLimited(ctx, "globals", workspaceID, g)
}

// SetGlobalValue changes a global's value.
func (s *Store) SetGlobalValue(ctx context.Context, g *Global, value string) error {
	now := s.now()
	if err := s.updateColumns(ctx, g.WorkspaceID, "globals", g.ID, map[string]any{"value": value, "modified_on": now}); err != nil {
		return err
	}
	g.Value, g.ModifiedOn = value, now
	return nil
}
