package models

import (
	"context"
	"errors"
	"time"

	"github.com/flowsd/flowsd/work"
	"gorm.io/gorm"
)

// Per-workspace limits on how many of each kind of object may exist (RapidPro's defaults).
var DefaultLimits = map[string]int{
	"fields":  250,
	"globals": 250,
	"groups":  250,
	"labels":  250,
	"topics":  50,
}

// ErrLimitReached is returned when creating an object would take a workspace past its limit.
var ErrLimitReached = errors.New("workspace has reached its limit")

// ErrNameTaken is returned when a unique name or key is already used by another active object.
var ErrNameTaken = errors.New("name is already used")

// limitTables maps a limited kind to its table; active non-system rows count.
var limitTables = map[string]string{
	"fields":  "contact_fields",
	"globals": "globals",
	"groups":  "contact_groups",
	"labels":  "labels",
	"topics":  "topics",
}

// Limit is how many objects of kind a workspace may have.
func (s *Store) Limit(kind string) int {
	if n, ok := s.Limits[kind]; ok {
		return n
	}
	return DefaultLimits[kind]
}

func countable(q *gorm.DB, kind string, workspaceID int64) *gorm.DB {
	q = q.Table(limitTables[kind]).Where("workspace_id = ? AND is_active", workspaceID)
	if kind == "groups" || kind == "topics" {
		q = q.Where("NOT is_system")
	}
	return q
}

func (s *Store) limitReached(q *gorm.DB, kind string, workspaceID int64) (bool, error) {
	var n int64
	if err := countable(q, kind, workspaceID).Count(&n).Error; err != nil {
		return false, err
	}
	return n >= int64(s.Limit(kind)), nil
}

// LimitReached reports whether the workspace already has as many objects of kind as it may.
func (s *Store) LimitReached(ctx context.Context, kind string, workspaceID int64) (bool, error) {
	return s.limitReached(s.read(ctx), kind, workspaceID)
}

// createLimited inserts obj in one transaction with the limit check, so concurrent creates can't overshoot;
// signals are fired once it commits.
func (s *Store) createLimited(ctx context.Context, kind string, workspaceID int64, obj any, signals ...work.Kind) error {
	return s.Write(ctx, func(tx *Tx) error {
		if err := tx.lockWorkspace(workspaceID); err != nil {
			return err
		}
		reached, err := s.limitReached(tx.db, kind, workspaceID)
		if err != nil {
			return err
		}
		if reached {
			return ErrLimitReached
		}
		if err := translateDuplicate(tx.db.Create(obj).Error); err != nil {
			return err
		}
		tx.Signal(signals...)
		return tx.bumpConfigVersion(workspaceID)
	})
}

// updateColumns changes columns of one row of a workspace's table, translating unique violations; signals are
// fired once it commits.
func (s *Store) updateColumns(ctx context.Context, workspaceID int64, table string, id int64, values map[string]any, signals ...work.Kind) error {
	return s.writeConfig(ctx, func(tx *Tx) error {
		tx.Signal(signals...)
		return translateDuplicate(tx.db.Table(table).Where("id = ? AND workspace_id = ?", id, workspaceID).Updates(values).Error)
	}, workspaceID)
}

// rename changes the name of one row of a workspace's table, and the name and modified time the caller holds.
func (s *Store) rename(ctx context.Context, workspaceID int64, table string, id int64, name string, held *string, modified *time.Time) error {
	now := s.now()
	if err := s.updateColumns(ctx, workspaceID, table, id, map[string]any{"name": name, "modified_on": now}); err != nil {
		return err
	}
	*held, *modified = name, now
	return nil
}

// release soft-deletes one row of a workspace's table.
func (s *Store) release(ctx context.Context, workspaceID int64, table string, id int64) error {
	return s.updateColumns(ctx, workspaceID, table, id, map[string]any{"is_active": false, "modified_on": s.now()})
}

// nameTaken reports whether another active row of table in the workspace has name, ignoring case.
func (s *Store) nameTaken(ctx context.Context, table string, workspaceID int64, column, name string, exceptID int64) (bool, error) {
	var n int64
	err := s.read(ctx).Table(table).
		Where("workspace_id = ? AND is_active AND LOWER("+column+") = LOWER(?) AND id <> ?", workspaceID, name, exceptID).
		Count(&n).Error
	return n > 0, err
}

func translateDuplicate(err error) error {
	if IsDuplicate(err) {
		return ErrNameTaken
	}
	return err
}
