package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"
)

// tokenAlphabet is RapidPro's: no 0/1/I/O to misread.
const tokenAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// TokenLength is the length of an API token key.
const TokenLength = 40

// APIToken gives API access to one user in one workspace. Only the SHA-256 of the key is stored, so the
// database can't be used to call the API.
type APIToken struct {
	ID          int64 `gorm:"primaryKey"`
	KeyHash     string
	WorkspaceID int64
	UserID      int64
	IsActive    bool
	CreatedOn   time.Time
}

func (APIToken) TableName() string { return "api_tokens" }

// HashToken is the stored form of a token key.
func HashToken(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func newTokenKey() string {
	// 32 symbols: each random byte's low 5 bits pick one without bias
	buf := make([]byte, TokenLength)
	if _, err := rand.Read(buf); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i, b := range buf {
		buf[i] = tokenAlphabet[b&31]
	}
	return string(buf)
}

func (s *Store) createToken(tx *Tx, workspaceID, userID int64) (string, error) {
	key := newTokenKey()
	t := &APIToken{KeyHash: HashToken(key), WorkspaceID: workspaceID, UserID: userID, IsActive: true, CreatedOn: s.now()}
	return key, tx.db.Create(t).Error
}

// CreateToken makes a new API token for email in the workspace, creating the user and their membership with
// role if they are not a member yet. An existing member keeps their role.
func (s *Store) CreateToken(ctx context.Context, workspaceID int64, email string, role Role) (string, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	var key string
	err = s.writeConfig(ctx, func(tx *Tx) error {
		user, err := s.ensureUser(tx, email)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.db.Model(&Membership{}).Where("workspace_id = ? AND user_id = ?", workspaceID, user.ID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			if err := s.setMembership(tx, workspaceID, user.ID, role); err != nil {
				return err
			}
		}
		key, err = s.createToken(tx, workspaceID, user.ID)
		return err
	}, workspaceID)
	return key, err
}

// RevokeToken deactivates a token by its key.
func (s *Store) RevokeToken(ctx context.Context, key string) error {
	return s.Write(ctx, func(tx *Tx) error {
		var tokens []APIToken
		if err := tx.db.Where("key_hash = ?", HashToken(key)).Find(&tokens).Error; err != nil || len(tokens) == 0 {
			return err
		}
		if err := tx.db.Model(&APIToken{}).Where("id = ?", tokens[0].ID).Update("is_active", false).Error; err != nil {
			return err
		}
		return tx.bumpConfigVersion(tokens[0].WorkspaceID)
	})
}

// Principal is who a token speaks for: the user, their workspace and their current role there ("" when they
// are no longer a member). Only the fields a request needs are loaded (no timestamps, no names).
// Workspace.ConfigVersion is the version it was current at.
type Principal struct {
	Workspace Workspace
	User      User
	Role      Role
}

// maxCachedPrincipals bounds the principal cache; past it the cache starts again empty.
const maxCachedPrincipals = 10000

// Authenticate finds the active token with key, and its active user and workspace. It returns ErrNotFound
// when any of them is missing or inactive.
//
// Principals are cached by token, and a cached one is used only while its workspace's config version is
// unchanged: revoking a token, changing a member or deactivating a user moves it on, so any process sees the
// change on its next request. That check is one small query instead of the full lookup.
func (s *Store) Authenticate(ctx context.Context, key string) (*Principal, error) {
	hash := HashToken(key)
	if cached, ok := s.principals.Load(hash); ok {
		p := *cached.(*Principal)
		v, err := s.ConfigVersion(ctx, p.Workspace.ID)
		if err == nil && v == p.Workspace.ConfigVersion {
			return &p, nil
		}
		if err != nil && !IsNotFound(err) {
			return nil, err
		}
		s.principals.Delete(hash)
	}

	p, err := s.loadPrincipal(ctx, hash)
	if err != nil {
		return nil, err
	}
	if s.principalCount.Add(1) > maxCachedPrincipals {
		s.principals.Clear()
		s.principalCount.Store(1)
	}
	cached := *p
	s.principals.Store(hash, &cached)
	return p, nil
}

// loadPrincipal reads a token's principal and its workspace's config version in one query.
func (s *Store) loadPrincipal(ctx context.Context, hash string) (*Principal, error) {
	p := &Principal{}
	w, u := &p.Workspace, &p.User
	var role *string
	row := s.read(ctx).Raw(`
		SELECT w.id, w.uuid, w.name, w.country, w.timezone, w.languages, w.date_style, w.is_anon, w.api_profile,
		       w.api_rates, w.config_version, u.id, u.uuid, u.email, m.role
		  FROM api_tokens t
		  JOIN workspaces w ON w.id = t.workspace_id AND w.is_active
		  JOIN users u ON u.id = t.user_id AND u.is_active
		  LEFT JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = t.user_id
		 WHERE t.key_hash = ? AND t.is_active`, hash).Row()
	err := row.Scan(&w.ID, &w.UUID, &w.Name, &w.Country, &w.Timezone, &w.Languages, &w.DateStyle, &w.IsAnon,
		&w.APIProfile, &w.APIRates, &w.ConfigVersion, &u.ID, &u.UUID, &u.Email, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	w.IsActive, u.IsActive = true, true
	if role != nil {
		p.Role = Role(*role)
	}
	return p, nil
}
