package models

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"
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
	ID        int64     `gorm:"primaryKey"`
	UUID      string    `gorm:"column:uuid"`
	Email     string    `gorm:"column:email"`
	FirstName string    `gorm:"column:first_name"`
	LastName  string    `gorm:"column:last_name"`
	AvatarURL *string   `gorm:"column:avatar_url"`
	IsActive  bool      `gorm:"column:is_active"`
	CreatedOn time.Time `gorm:"column:created_on"`
}

func (User) TableName() string { return "users" }

// Name is the user's full name.
func (u *User) Name() string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// Membership gives a user a role in a workspace.
type Membership struct {
	ID          int64     `gorm:"primaryKey"`
	WorkspaceID int64     `gorm:"column:workspace_id"`
	UserID      int64     `gorm:"column:user_id"`
	Role        Role      `gorm:"column:role"`
	CreatedOn   time.Time `gorm:"column:created_on"`
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

func (s *Store) ensureUser(tx *gorm.DB, email string) (*User, error) {
	user := &User{}
	err := tx.Where("LOWER(email) = ?", strings.ToLower(email)).Take(user).Error
	if err == nil {
		return user, nil
	}
	if !IsNotFound(err) {
		return nil, err
	}
	user = &User{UUID: s.NewUUID(), Email: email, IsActive: true, CreatedOn: s.now()}
	return user, tx.Create(user).Error
}

func (s *Store) setMembership(tx *gorm.DB, workspaceID, userID int64, role Role) error {
	res := tx.Model(&Membership{}).Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Update("role", role)
	if res.Error != nil || res.RowsAffected > 0 {
		return res.Error
	}
	return tx.Create(&Membership{WorkspaceID: workspaceID, UserID: userID, Role: role, CreatedOn: s.now()}).Error
}

// AddMember makes email a member of the workspace with role (creating the user, or changing their role).
func (s *Store) AddMember(ctx context.Context, workspaceID int64, email string, role Role) (*User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	var user *User
	err = s.writeConfig(ctx, func(tx *gorm.DB) error {
		if user, err = s.ensureUser(tx, email); err != nil {
			return err
		}
		return s.setMembership(tx, workspaceID, user.ID, role)
	}, workspaceID)
	return user, err
}

// RemoveMember takes a user out of a workspace. Their tokens there stop being usable, as they have no role.
func (s *Store) RemoveMember(ctx context.Context, workspaceID, userID int64) error {
	return s.writeConfig(ctx, func(tx *gorm.DB) error {
		return tx.Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Delete(&Membership{}).Error
	}, workspaceID)
}

// SetUserActive activates or deactivates a login everywhere.
func (s *Store) SetUserActive(ctx context.Context, userID int64, active bool) error {
	return s.Write(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", userID).Update("is_active", active).Error; err != nil {
			return err
		}
		var workspaceIDs []int64
		if err := tx.Model(&Membership{}).Where("user_id = ?", userID).Pluck("workspace_id", &workspaceIDs).Error; err != nil {
			return err
		}
		return bumpConfigVersion(tx, workspaceIDs...)
	})
}

// Member is a user with their role in one workspace.
type Member struct {
	User
	Role Role `gorm:"column:role"`
}

// UserFilter narrows a listing of a workspace's users.
type UserFilter struct {
	UUIDs  []string
	Emails []string
	Roles  []Role // nil means any role; empty means none
}

// MembersQuery selects the active users of a workspace with their roles, filtered.
func (s *Store) MembersQuery(ctx context.Context, workspaceID int64, f UserFilter) *gorm.DB {
	q := s.Read(ctx).Table("users").
		Select("users.*, memberships.role AS role").
		Joins("JOIN memberships ON memberships.user_id = users.id").
		Where("memberships.workspace_id = ? AND users.is_active", workspaceID)
	if f.Roles != nil {
		q = q.Where("memberships.role IN ?", nonEmpty(f.Roles))
	}
	if len(f.UUIDs) > 0 {
		q = q.Where("users.uuid IN ?", f.UUIDs)
	}
	if len(f.Emails) > 0 {
		lowered := make([]string, len(f.Emails))
		for i, e := range f.Emails {
			lowered[i] = strings.ToLower(e)
		}
		q = q.Where("LOWER(users.email) IN ?", lowered)
	}
	return q
}

// nonEmpty keeps an IN list valid SQL when it has no values: nothing matches "".
func nonEmpty[T ~string](vals []T) []T {
	if len(vals) == 0 {
		return []T{""}
	}
	return vals
}
