package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/phonenumbers/v2"
)

// Date styles a workspace reads and writes dates in.
const (
	DayFirst   = "day_first"
	MonthFirst = "month_first"
	YearFirst  = "year_first"
)

// API profiles: the vocabularies and shapes a workspace's API speaks.
const (
	ProfileDefault = "default" // current RapidPro, plus every deprecated field
	ProfileWeni    = "weni"    // Weni's fork of RapidPro
)

// Workspace is an organization: the wall around all of its data.
type Workspace struct {
	ID         int64 `gorm:"primaryKey"`
	UUID       string
	Name       string
	Country    *string
	Timezone   string
	Languages  StringList
	DateStyle  string
	IsAnon     bool
	APIProfile string
	APIRates   StringMap
	// ConfigVersion moves on with every change to the workspace's configuration or access (see version.go).
	ConfigVersion int64
	IsActive      bool
	CreatedOn     time.Time
	ModifiedOn    time.Time
}

func (Workspace) TableName() string { return "workspaces" }

// IsWeni reports whether the workspace speaks Weni's API profile.
func (w *Workspace) IsWeni() bool { return w.APIProfile == ProfileWeni }

// CountryCode is the workspace's country, which phone numbers without a country code are read in; "" if none.
func (w *Workspace) CountryCode() string {
	if w.Country == nil {
		return ""
	}
	return *w.Country
}

// WorkspaceSpec is what a new workspace is made from.
type WorkspaceSpec struct {
	Name      string
	Country   string // ISO 3166-1 alpha-2, or empty
	Timezone  string // IANA name
	Languages []string
	DateStyle string
	Anon      bool
	Profile   string
	Rates     map[string]string // throttle scope -> rate, e.g. {"v2": "15000/hour"}
}

// Normalize fills defaults and checks every value, returning the first problem found.
func (s *WorkspaceSpec) Normalize() error {
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" {
		return fmt.Errorf("workspace name is required")
	}
	if len(s.Name) > 128 {
		return fmt.Errorf("workspace name can't be longer than 128 characters")
	}
	s.Country = strings.ToUpper(strings.TrimSpace(s.Country))
	if s.Country != "" {
		if _, ok := phonenumbers.GetSupportedRegions()[s.Country]; !ok {
			return fmt.Errorf("%q is not an ISO 3166-1 alpha-2 country code", s.Country)
		}
	}
	if s.Timezone == "" {
		s.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(s.Timezone); err != nil {
		return fmt.Errorf("%q is not a known timezone", s.Timezone)
	}
	for i, lang := range s.Languages {
		lang = strings.ToLower(strings.TrimSpace(lang))
		if _, err := i18n.ParseLanguage(lang); err != nil || len(lang) != 3 {
			return fmt.Errorf("%q is not an ISO 639-3 language code", lang)
		}
		s.Languages[i] = lang
	}
	if s.DateStyle == "" {
		s.DateStyle = DayFirst
	}
	if s.DateStyle != DayFirst && s.DateStyle != MonthFirst && s.DateStyle != YearFirst {
		return fmt.Errorf("date style must be one of %s, %s, %s", DayFirst, MonthFirst, YearFirst)
	}
	if s.Profile == "" {
		s.Profile = ProfileDefault
	}
	if s.Profile != ProfileDefault && s.Profile != ProfileWeni {
		return fmt.Errorf("API profile must be %s or %s", ProfileDefault, ProfileWeni)
	}
	return nil
}

// System objects every workspace has.
const (
	OpenTicketsGroupName  = "Open Tickets"
	OpenTicketsGroupQuery = "tickets > 0"
	DefaultTopicName      = "General"
)

// CreateWorkspace makes a workspace with its system objects, and makes email its administrator (creating the
// user if needed). It returns the workspace, the user and a new API token for them.
func (s *Store) CreateWorkspace(ctx context.Context, spec WorkspaceSpec, adminEmail string) (*Workspace, *User, string, error) {
	if err := spec.Normalize(); err != nil {
		return nil, nil, "", err
	}
	email, err := NormalizeEmail(adminEmail)
	if err != nil {
		return nil, nil, "", err
	}

	now := s.now()
	ws := &Workspace{
		UUID:       s.NewUUID(),
		Name:       spec.Name,
		Timezone:   spec.Timezone,
		Languages:  StringList(spec.Languages),
		DateStyle:  spec.DateStyle,
		IsAnon:     spec.Anon,
		APIProfile: spec.Profile,
		APIRates:   StringMap(spec.Rates),
		IsActive:   true,
		CreatedOn:  now,
		ModifiedOn: now,
	}
	if ws.Languages == nil {
		ws.Languages = StringList{}
	}
	if spec.Country != "" {
		ws.Country = &spec.Country
	}

	var user *User
	var token string
	err = s.Write(ctx, func(tx *Tx) error {
		if err := tx.db.Create(ws).Error; err != nil {
			return err
		}
		if err := s.createSystemObjects(tx, ws); err != nil {
			return err
		}
		if user, err = s.ensureUser(tx, email); err != nil {
			return err
		}
		if err := s.setMembership(tx, ws.ID, user.ID, RoleAdministrator); err != nil {
			return err
		}
		token, err = s.createToken(tx, ws.ID, user.ID)
		return err
	})
	if err != nil {
		return nil, nil, "", err
	}
	return ws, user, token, nil
}

func (s *Store) createSystemObjects(tx *Tx, ws *Workspace) error {
	now := s.now()
	query := OpenTicketsGroupQuery
	group := &Group{UUID: s.NewUUID(), WorkspaceID: ws.ID, Name: OpenTicketsGroupName, Query: &query,
		Status: GroupReady, IsSystem: true, IsActive: true, CreatedOn: now, ModifiedOn: now}
	if err := tx.db.Create(group).Error; err != nil {
		return err
	}
	topic := &Topic{UUID: s.NewUUID(), WorkspaceID: ws.ID, Name: DefaultTopicName, IsSystem: true,
		IsActive: true, CreatedOn: now, ModifiedOn: now}
	return tx.db.Create(topic).Error
}

// GetWorkspace fetches an active workspace by UUID.
func (s *Store) GetWorkspace(ctx context.Context, uuid string) (*Workspace, error) {
	ws := &Workspace{}
	err := s.read(ctx).Where("uuid = ? AND is_active", uuid).Take(ws).Error
	return ws, err
}

// CountWorkspaces counts the active workspaces.
func (s *Store) CountWorkspaces(ctx context.Context) (int64, error) {
	var n int64
	err := s.read(ctx).Model(&Workspace{}).Where("is_active").Count(&n).Error
	return n, err
}

// SetWorkspaceRates replaces a workspace's own request rates (throttle scope -> "N/period").
func (s *Store) SetWorkspaceRates(ctx context.Context, workspaceID int64, rates map[string]string) error {
	return s.writeConfig(ctx, func(tx *Tx) error {
		return tx.db.Model(&Workspace{}).Where("id = ?", workspaceID).
			Updates(map[string]any{"api_rates": StringMap(rates), "modified_on": s.now()}).Error
	}, workspaceID)
}

// GetWorkspaceByID fetches an active workspace by id.
func (s *Store) GetWorkspaceByID(ctx context.Context, id int64) (*Workspace, error) {
	ws := &Workspace{}
	return ws, s.read(ctx).Where("id = ? AND is_active", id).Take(ws).Error
}
