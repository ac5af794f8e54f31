package models

import (
	"context"
)

// A workspace's config version moves on in the same transaction as every change to its configuration or
// access: fields, groups, labels, globals, topics, boundaries, members, tokens. A cache of any of those, in any
// process, is current exactly when it was filled at the version the database holds now. Reading the version
// before loading what is cached makes that safe: what is loaded is at least as new as the version it is kept
// under.

// writeConfig runs fn in one transaction that also moves the config version of each workspace on.
func (s *Store) writeConfig(ctx context.Context, fn func(tx *Tx) error, workspaceIDs ...int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return tx.bumpConfigVersion(workspaceIDs...)
	})
}

func (tx *Tx) bumpConfigVersion(workspaceIDs ...int64) error {
	if len(workspaceIDs) == 0 {
		return nil
	}
	return tx.db.Exec("UPDATE workspaces SET config_version = config_version + 1 WHERE id IN ?", workspaceIDs).Error
}

// ConfigVersion reads an active workspace's config version; ErrNotFound if it is gone.
func (s *Store) ConfigVersion(ctx context.Context, workspaceID int64) (int64, error) {
	var v []int64
	if err := s.read(ctx).Raw("SELECT config_version FROM workspaces WHERE id = ? AND is_active", workspaceID).Scan(&v).Error; err != nil {
		return 0, err
	}
	if len(v) == 0 {
		return 0, ErrNotFound
	}
	return v[0], nil
}
