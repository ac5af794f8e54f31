package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// ArchiveType and ArchivePeriod say what an archive holds and how long a stretch of it (the API's words).
type (
	ArchiveType   string
	ArchivePeriod string
)

// Archive types and periods.
const (
	ArchiveMessages ArchiveType = "message"
	ArchiveRuns     ArchiveType = "run"

	ArchiveDaily   ArchivePeriod = "daily"
	ArchiveMonthly ArchivePeriod = "monthly"
)

// ArchiveTypes are the types, in the order they are built.
var ArchiveTypes = []ArchiveType{ArchiveMessages, ArchiveRuns}

// Archive is a workspace's messages or runs of one UTC day or month, as a gzipped JSON Lines file (rp-archiver's
// archives_archive). An empty archive has no file: no hash, no location, size 0; it still counts as done.
type Archive struct {
	ID            int64 `gorm:"primaryKey"`
	UUID          string
	WorkspaceID   int64
	ArchiveType   ArchiveType
	Period        ArchivePeriod
	StartDate     time.Time // midnight UTC of the first day
	RecordCount   int64
	Size          int64   // bytes of the gzipped file
	Hash          *string // MD5 hex of the gzipped file
	Location      *string // "file:<path under the archive directory>"
	BuildTime     int64   // milliseconds
	RollupID      *int64  // the monthly archive a daily was rolled into
	NeedsDeletion bool    // its records are still in the database
	DeletedOn     *time.Time
	CreatedOn     time.Time
}

func (Archive) TableName() string { return "archives" }

// EndDate is the first day after the archive's.
func (a *Archive) EndDate() time.Time {
	if a.Period == ArchiveMonthly {
		return a.StartDate.AddDate(0, 1, 0)
	}
	return a.StartDate.AddDate(0, 0, 1)
}

// ArchiveQuery lists a workspace's archives as the API does: newest first, dailies rolled into a monthly left
// out, a page by limit and offset.
type ArchiveQuery struct{ query[Archive] }

// Archives starts a listing of the workspace's archives, newest first by start date (Count and Slice page it
// by limit and offset).
func (s *Store) Archives(workspaceID int64) *ArchiveQuery {
	q := &ArchiveQuery{newQuery[Archive](s, "archives", "start_date", "id", nil)}
	q.l.and("workspace_id = ? AND rollup_id IS NULL", workspaceID)
	return q
}

// OfType keeps archives of one type.
func (q *ArchiveQuery) OfType(t ArchiveType) *ArchiveQuery { q.l.and("archive_type = ?", t); return q }

// OfPeriod keeps daily or monthly archives.
func (q *ArchiveQuery) OfPeriod(p ArchivePeriod) *ArchiveQuery { q.l.and("period = ?", p); return q }

// StartIn keeps archives whose first day is within r.
func (q *ArchiveQuery) StartIn(r TimeRange) *ArchiveQuery { q.l.within("start_date", r); return q }

// Nothing makes the listing empty (a type that doesn't exist).
func (q *ArchiveQuery) Nothing() *ArchiveQuery { q.l.nothing(); return q }

// ArchiveByUUID finds an archive by UUID, of any workspace: a download URL's signature says who may have it.
func (s *Store) ArchiveByUUID(ctx context.Context, uuid string) (*Archive, error) {
	a := &Archive{}
	return a, s.read(ctx).Where("uuid = ?", uuid).Take(a).Error
}

// WorkspaceArchives are every archive of a workspace's type, oldest first, rolled up or not: what is done.
func (s *Store) WorkspaceArchives(ctx context.Context, workspaceID int64, t ArchiveType) ([]Archive, error) {
	var rows []Archive
	err := s.read(ctx).Where("workspace_id = ? AND archive_type = ?", workspaceID, t).Order("start_date").Order("id").Find(&rows).Error
	return rows, err
}

// RecordArchive adds an archive built, unless one of its workspace, type, period and day is there already
// (another process built it meanwhile): false then, and nothing is written.
func (s *Store) RecordArchive(ctx context.Context, a *Archive) (bool, error) {
	inserted := false
	err := s.Write(ctx, func(tx *Tx) error {
		var n int64
		err := tx.db.Model(&Archive{}).Where("workspace_id = ? AND archive_type = ? AND period = ? AND start_date = ?",
			a.WorkspaceID, a.ArchiveType, a.Period, a.StartDate.UTC()).Count(&n).Error
		if err != nil || n > 0 {
			return err
		}
		inserted = true
		return tx.db.Create(a).Error
	})
	if err != nil && IsDuplicate(err) {
		return false, nil // lost a race with another process on PostgreSQL
	}
	return inserted, err
}

// RecordRollup adds a monthly archive made of dailies and points the dailies at it, in one transaction: false,
// and nothing written, when the month has its archive already or a daily was rolled up meanwhile.
func (s *Store) RecordRollup(ctx context.Context, monthly *Archive, dailyIDs []int64) (bool, error) {
	errTaken := errors.New("rolled up meanwhile")
	inserted := false
	err := s.Write(ctx, func(tx *Tx) error {
		var n int64
		err := tx.db.Model(&Archive{}).Where("workspace_id = ? AND archive_type = ? AND period = ? AND start_date = ?",
			monthly.WorkspaceID, monthly.ArchiveType, ArchiveMonthly, monthly.StartDate.UTC()).Count(&n).Error
		if err != nil || n > 0 {
			return err
		}
		if err := tx.db.Create(monthly).Error; err != nil {
			return err
		}
		if len(dailyIDs) > 0 {
			res := tx.db.Model(&Archive{}).Where("workspace_id = ? AND id IN ? AND period = ? AND rollup_id IS NULL", monthly.WorkspaceID, dailyIDs, ArchiveDaily).
				Update("rollup_id", monthly.ID)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != int64(len(dailyIDs)) {
				return errTaken
			}
		}
		inserted = true
		return nil
	})
	if errors.Is(err, errTaken) || err != nil && IsDuplicate(err) {
		return false, nil
	}
	return inserted, err
}

// Secret is the server's secret of a name, made (32 random bytes, hex) the first time any process asks, so that
// every process on the database agrees on it.
func (s *Store) Secret(ctx context.Context, name string) (string, error) {
	var value string
	err := s.Write(ctx, func(tx *Tx) error {
		var values []string
		if err := tx.db.Table("secrets").Where("name = ?", name).Pluck("value", &values).Error; err != nil {
			return err
		}
		if len(values) > 0 {
			value = values[0]
			return nil
		}
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		value = hex.EncodeToString(b)
		return tx.db.Exec("INSERT INTO secrets (name, value, created_on) VALUES (?, ?, ?)", name, value, s.now()).Error
	})
	if err != nil && IsDuplicate(err) {
		return s.Secret(ctx, name) // made by another process meanwhile: read theirs
	}
	if err != nil {
		return "", fmt.Errorf("secret %s: %w", name, err)
	}
	return value, nil
}

// FilePath is where under the archive directory dir the archive's file is; false when it has none.
func (a *Archive) FilePath(dir string) (string, bool) {
	if a.Location == nil || !strings.HasPrefix(*a.Location, ArchiveLocationPrefix) {
		return "", false
	}
	return filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(*a.Location, ArchiveLocationPrefix))), true
}

// ArchiveLocationPrefix starts the location of a file in the archive directory ("file:<path>"), so another
// kind of storage can be told apart later without changing the table.
const ArchiveLocationPrefix = "file:"

// ActiveWorkspaces are every active workspace, oldest first: the daily archive job goes through them all.
func (s *Store) ActiveWorkspaces(ctx context.Context) ([]Workspace, error) {
	var rows []Workspace
	return rows, s.read(ctx).Where("is_active").Order("id").Find(&rows).Error
}
