package models

import (
	"context"
	"time"
)

// Media is a file uploaded through media.json, for messages to carry as an attachment. Its bytes are kept in
// the media directory at Path; the row is written only once they are in place.
type Media struct {
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	ContentType string
	Filename    string
	Size        int64
	Path        string // where under the media directory the bytes are
	CreatedByID *int64
	CreatedOn   time.Time
}

func (Media) TableName() string { return "media" }

// MediaSpec is what a new media row records of a file already stored.
type MediaSpec struct {
	UUID        string // chosen before the file was stored, as it is part of its path
	ContentType string
	Filename    string
	Size        int64
	Path        string
	CreatedByID int64 // 0 for none
}

// CreateMedia records a stored file.
func (s *Store) CreateMedia(ctx context.Context, workspaceID int64, spec MediaSpec) (*Media, error) {
	m := &Media{UUID: spec.UUID, WorkspaceID: workspaceID, ContentType: spec.ContentType, Filename: spec.Filename,
		Size: spec.Size, Path: spec.Path, CreatedOn: s.now()}
	if spec.CreatedByID != 0 {
		createdBy := spec.CreatedByID
		m.CreatedByID = &createdBy
	}
	return m, s.Write(ctx, func(tx *Tx) error { return tx.db.Create(m).Error })
}

// MediaByUUID finds a workspace's media by UUID; ErrNotFound when it has none with it.
func (s *Store) MediaByUUID(ctx context.Context, workspaceID int64, uuid string) (*Media, error) {
	m := &Media{}
	return m, s.read(ctx).Where("workspace_id = ? AND uuid = ?", workspaceID, uuid).Take(m).Error
}

// FirstMediaOf finds the first of uuids, in their order, that is a media of the workspace; nil when none is.
func (s *Store) FirstMediaOf(ctx context.Context, workspaceID int64, uuids []string) (*Media, error) {
	if len(uuids) == 0 {
		return nil, nil
	}
	var found []Media
	if err := s.read(ctx).Where("workspace_id = ? AND uuid IN ?", workspaceID, uuids).Find(&found).Error; err != nil {
		return nil, err
	}
	for _, u := range uuids {
		for i := range found {
			if found[i].UUID == u {
				return &found[i], nil
			}
		}
	}
	return nil, nil
}

// PublishedMedia finds a media by the UUIDs of its workspace and itself, as its public URL names it: how the
// files are served, to anyone who has the URL. ErrNotFound when there is none.
func (s *Store) PublishedMedia(ctx context.Context, workspaceUUID, mediaUUID string) (*Media, error) {
	m := &Media{}
	return m, s.read(ctx).Table("media AS m").Select("m.*").Joins("JOIN workspaces w ON w.id = m.workspace_id").
		Where("w.uuid = ? AND m.uuid = ?", workspaceUUID, mediaUUID).Take(m).Error
}
