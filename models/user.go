package models

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Role is what a user may do in a workspace.
type Role string

const (
	RoleAdministrator Role = "administrator"
	RoleEditor        Role = "editor"
	RoleAgent         Role = "agent"
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAdministrator, RoleEditor, RoleAgent:
		return r, nil
	}
	return "", fmt.Errorf("role must be one of administrator, editor, agent")
}

// User is a login: one person, possibly a member of several workspaces.
type User struct {
	ID        int64 `gorm:"primaryKey"`
	UUID      string
	Email     string
	FirstName string
	LastName  string
	AvatarURL *string
	IsActive  bool
	CreatedOn time.Time
}

func (User) TableName() string { return "users" }

// Name is the user's full name.
func (u *User) Name() string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// Membership gives a user a role in a workspace.
type Membership struct {
	ID          int64 `gorm:"primaryKey"`
	WorkspaceID int64
	UserID      int64
	Role        Role
	CreatedOn   time.Time
}

func (Membership) TableName() string { return "memberships" }

// NormalizeEmail checks an email address and lowercases it.
func NormalizeEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 {
		return "", fmt.Errorf("%q is not a valid email address", email)
	}
	return strings.ToLower(email), nil
}

func (s *Store) ensureUser(tx *Tx, email string) (*User, error) {
	user := &User{}
	err := tx.db.Where("LOWER(email) = ?", strings.ToLower(email)).Take(user).Error
	if err == nil {
		return user, nil
	}
	if !IsNotFound(err) {
		return nil, err
	}
	user = &User{UUID: s.NewUUID(), Email: email, IsActive: true, CreatedOn: s.now()}
	return user, tx.db.Create(user).Error
}

func (s *Store) setMembership(tx *Tx, workspaceID, userID int64, role Role) error {
	res := tx.db.Model(&Membership{}).Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Update("role", role)
	if res.Error != nil || res.RowsAffected > 0 {
		return res.Error
	}
	return tx.db.Create(&Membership{WorkspaceID: workspaceID, UserID: userID, Role: role, CreatedOn: s.now()}).Error
}

// AddMember makes email a member of the workspace with role (creating the user, or changing their role).
func (s *Store) AddMember(ctx context.Context, workspaceID int64, email string, role Role) (*User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	var user *User
	err = s.writeConfig(ctx, func(tx *Tx) error {
		if user, err = s.ensureUser(tx, email); err != nil {
			return err
		}
		return s.setMembership(tx, workspaceID, user.ID, role)
	}, workspaceID)
	return user, err
}

// RemoveMember takes a user out of a workspace. Their tokens there stop being usable, as they have no role.
func (s *Store) RemoveMember(ctx context.Context, workspaceID, userID int64) error {
	return s.writeConfig(ctx, func(tx *Tx) error {
		return tx.db.Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Delete(&Membership{}).Error
	}, workspaceID)
}

// SetUserActive activates or deactivates a login everywhere.
func (s *Store) SetUserActive(ctx context.Context, userID int64, active bool) error {
	return s.Write(ctx, func(tx *Tx) error {
		if err := tx.db.Model(&User{}).Where("id = ?", userID).Update("is_active", active).Error; err != nil {
			return err
		}
		var workspaceIDs []int64
		if err := tx.db.Model(&Membership{}).Where("user_id = ?", userID).Pluck("workspace_id", &workspaceIDs).Error; err != nil {
			return err
		}
		return tx.bumpConfigVersion(workspaceIDs...)
	})
}

// Member is a user with their role in one workspace.
type Member struct {
	User
	Role Role
}

// MemberQuery builds a listing of a workspace's active users with their roles, ordered by when they joined
// flowsd.
type MemberQuery struct{ query[Member] }

// Members starts a listing of the workspace's members.
func (s *Store) Members(workspaceID int64) *MemberQuery {
	q := &MemberQuery{newQuery(s, "users", "users.created_on", "users.id", func(m *Member) Position { return Position{Time: m.CreatedOn, ID: m.ID} })}
	q.l.sel = "users.*, memberships.role AS role"
	q.l.joins = []string{"JOIN memberships ON memberships.user_id = users.id"}
	q.l.and("memberships.workspace_id = ? AND users.is_active", workspaceID)
	return q
}

// WithUUIDs keeps the users with any of the UUIDs.
func (q *MemberQuery) WithUUIDs(uuids []string) *MemberQuery {
	q.l.and("users.uuid IN ?", uuids)
	return q
}

// WithEmails keeps the users with any of the emails, ignoring case.
func (q *MemberQuery) WithEmails(emails []string) *MemberQuery {
	lowered := make([]string, len(emails))
	for i, e := range emails {
		lowered[i] = strings.ToLower(e)
	}
	q.l.and("LOWER(users.email) IN ?", lowered)
	return q
}

// WithRoles keeps the users with any of the roles; none keeps nobody.
func (q *MemberQuery) WithRoles(roles []Role) *MemberQuery {
	if len(roles) == 0 {
		q.l.nothing()
		return q
	}
	q.l.and("memberships.role IN ?", roles)
	return q
}
