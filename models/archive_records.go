package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The records archives are made of, read a row at a time: a day of a busy workspace may be millions of them.

// ArchiveRef is a flow's, channel's, contact's or label's UUID and name as a record shows them.
type ArchiveRef struct {
	UUID string
	Name *string
}

// ArchiveMsg is a message as its archive record shows it.
type ArchiveMsg struct {
	ID          int64
	UUID        string
	BroadcastID *int64
	Contact     ArchiveRef
	URN         *string
	Channel     *ArchiveRef
	Flow        *ArchiveRef
	Direction   MsgDirection
	Status      MsgStatus
	Visibility  MsgVisibility
	Text        string
	Attachments StringList
	Labels      []ArchiveRef
	CreatedOn   time.Time
	SentOn      *time.Time
	ModifiedOn  time.Time
}

// ArchiveRun is a run as its archive record shows it; Results and Path are as stored (see FlowRun).
type ArchiveRun struct {
	ID         int64
	UUID       string
	Flow       ArchiveRef
	Contact    ArchiveRef
	Responded  bool
	Path       string
	Results    string
	Status     RunStatus
	CreatedOn  time.Time
	ModifiedOn time.Time
	ExitedOn   *time.Time
}

// archiveMsgsSQL reads a workspace's messages created in [from, to), as rp-archiver orders them; deleted ones
// are left out of archives.
const archiveMsgsSQL = `SELECT m.id, m.uuid, m.broadcast_id, c.uuid, c.name, m.urn, ch.uuid, ch.name, f.uuid, f.name,
  m.direction, m.status, m.visibility, m.text, m.attachments, m.created_on, m.sent_on, m.modified_on
FROM msgs m
  JOIN contacts c ON c.id = m.contact_id
  LEFT JOIN channels ch ON ch.id = m.channel_id
  LEFT JOIN flows f ON f.id = m.flow_id
WHERE m.workspace_id = ? AND m.created_on >= ? AND m.created_on < ? AND m.visibility <> 'deleted'
ORDER BY m.created_on, m.id`

// archiveLabelsSQL reads the labels of the same messages.
const archiveLabelsSQL = `SELECT ml.msg_id, l.uuid, l.name
FROM msgs m
  JOIN msg_labels ml ON ml.msg_id = m.id
  JOIN labels l ON l.id = ml.label_id
WHERE m.workspace_id = ? AND m.created_on >= ? AND m.created_on < ? AND m.visibility <> 'deleted'
ORDER BY ml.msg_id, l.id`

// archiveRunsSQL reads a workspace's runs last modified in [from, to), as rp-archiver orders them.
const archiveRunsSQL = `SELECT r.id, r.uuid, f.uuid, f.name, c.uuid, c.name, r.responded, r.path, r.results, r.status,
  r.created_on, r.modified_on, r.exited_on
FROM flow_runs r
  JOIN flows f ON f.id = r.flow_id
  JOIN contacts c ON c.id = r.contact_id
WHERE r.workspace_id = ? AND r.modified_on >= ? AND r.modified_on < ?
ORDER BY r.modified_on, r.id`

// EachArchiveMsg calls fn with each message of the workspace created in [from, to), oldest first. The message
// is reused from call to call: fn must not keep it.
func (s *Store) EachArchiveMsg(ctx context.Context, workspaceID int64, from, to time.Time, fn func(*ArchiveMsg) error) error {
	labels, err := s.archiveLabels(ctx, workspaceID, from, to)
	if err != nil {
		return err
	}
	rows, err := s.read(ctx).Raw(archiveMsgsSQL, workspaceID, from.UTC(), to.UTC()).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	var m ArchiveMsg
	var chUUID, chName, flowUUID, flowName sql.NullString
	var ch, flow ArchiveRef
	for rows.Next() {
		m.Attachments = nil
		if err := rows.Scan(&m.ID, &m.UUID, &m.BroadcastID, &m.Contact.UUID, &m.Contact.Name, &m.URN, &chUUID, &chName, &flowUUID, &flowName,
			&m.Direction, &m.Status, &m.Visibility, &m.Text, &m.Attachments, &m.CreatedOn, &m.SentOn, &m.ModifiedOn); err != nil {
			return fmt.Errorf("archiving message: %w", err)
		}
		m.Channel, m.Flow = nullRef(chUUID, chName, &ch), nullRef(flowUUID, flowName, &flow)
		m.Labels = labels[m.ID]
		if err := fn(&m); err != nil {
			return err
		}
	}
	return rows.Err()
}

// nullRef is the reference a LEFT JOIN found, kept in into, or nil when it found none.
func nullRef(uuid, name sql.NullString, into *ArchiveRef) *ArchiveRef {
	if !uuid.Valid {
		return nil
	}
	into.UUID, into.Name = uuid.String, nil
	if name.Valid {
		n := name.String
		into.Name = &n
	}
	return into
}

// archiveLabels are the labels of the messages EachArchiveMsg reads, by message: only labelled messages take
// room.
func (s *Store) archiveLabels(ctx context.Context, workspaceID int64, from, to time.Time) (map[int64][]ArchiveRef, error) {
	rows, err := s.read(ctx).Raw(archiveLabelsSQL, workspaceID, from.UTC(), to.UTC()).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	labels := map[int64][]ArchiveRef{}
	for rows.Next() {
		var id int64
		var l ArchiveRef
		if err := rows.Scan(&id, &l.UUID, &l.Name); err != nil {
			return nil, err
		}
		labels[id] = append(labels[id], l)
	}
	return labels, rows.Err()
}

// EachArchiveRun calls fn with each run of the workspace last modified in [from, to), oldest first. The run is
// reused from call to call: fn must not keep it.
func (s *Store) EachArchiveRun(ctx context.Context, workspaceID int64, from, to time.Time, fn func(*ArchiveRun) error) error {
	rows, err := s.read(ctx).Raw(archiveRunsSQL, workspaceID, from.UTC(), to.UTC()).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	var r ArchiveRun
	for rows.Next() {
		if err := rows.Scan(&r.ID, &r.UUID, &r.Flow.UUID, &r.Flow.Name, &r.Contact.UUID, &r.Contact.Name, &r.Responded, &r.Path, &r.Results,
			&r.Status, &r.CreatedOn, &r.ModifiedOn, &r.ExitedOn); err != nil {
			return fmt.Errorf("archiving run: %w", err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FirstArchivable is when the workspace's oldest message was created, or its oldest run modified; nil when it
// has none.
func (s *Store) FirstArchivable(ctx context.Context, workspaceID int64, t ArchiveType) (*time.Time, error) {
	table, column := "msgs", "created_on"
	if t == ArchiveRuns {
		table, column = "flow_runs", "modified_on"
	}
	var times []time.Time
	err := s.read(ctx).Table(table).Where("workspace_id = ?", workspaceID).Order(column).Limit(1).Pluck(column, &times).Error
	if err != nil || len(times) == 0 {
		return nil, err
	}
	return &times[0], nil
}

// purgeBatch is how many records are deleted per transaction, as rp-archiver deletes them.
const purgeBatch = 100

// PurgeArchived deletes the records of an archive whose file holds ids (read back from the file, its hash
// checked), a batch per transaction, then marks the archive deleted. It refuses when the database has more of
// the archive's records than the archive counts: something was added to the past since it was built. Runs
// still going are kept (their next change puts them in a later day's archive).
func (s *Store) PurgeArchived(ctx context.Context, a *Archive, ids []int64) error {
	from, to := a.StartDate.UTC(), a.EndDate().UTC()
	var n int64
	var err error
	if a.ArchiveType == ArchiveMessages {
		err = s.read(ctx).Model(&Msg{}).Where("workspace_id = ? AND created_on >= ? AND created_on < ? AND visibility <> ?", a.WorkspaceID, from, to, MsgDeleted).Count(&n).Error
	} else {
		err = s.read(ctx).Model(&FlowRun{}).Where("workspace_id = ? AND modified_on >= ? AND modified_on < ?", a.WorkspaceID, from, to).Count(&n).Error
	}
	if err != nil {
		return err
	}
	if n > a.RecordCount {
		return fmt.Errorf("archive %s: %d records in the database, more than the %d archived", a.UUID, n, a.RecordCount)
	}
	for start := 0; start < len(ids); start += purgeBatch {
		batch := ids[start:min(start+purgeBatch, len(ids))]
		err := s.Write(ctx, func(tx *Tx) error {
			if a.ArchiveType == ArchiveRuns {
				return tx.db.Exec("DELETE FROM flow_runs WHERE workspace_id = ? AND id IN ? AND modified_on >= ? AND modified_on < ? AND status NOT IN ?",
					a.WorkspaceID, batch, from, to, []RunStatus{RunActive, RunWaiting}).Error
			}
			mine := tx.db.Model(&Msg{}).Select("id").Where("workspace_id = ? AND id IN ? AND created_on >= ? AND created_on < ?", a.WorkspaceID, batch, from, to)
			for _, q := range []string{"DELETE FROM channel_logs WHERE msg_id IN (?)", "DELETE FROM msg_labels WHERE msg_id IN (?)", "DELETE FROM msgs WHERE id IN (?)"} {
				if err := tx.db.Exec(q, mine).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("purging archive %s: %w", a.UUID, err)
		}
	}
	now := s.now()
	a.NeedsDeletion, a.DeletedOn = false, &now
	return s.Write(ctx, func(tx *Tx) error {
		return tx.db.Model(&Archive{}).Where("id = ?", a.ID).Updates(map[string]any{"needs_deletion": false, "deleted_on": now}).Error
	})
}

// ArchivesToPurge are a workspace's archives whose records are still in the database, oldest first.
func (s *Store) ArchivesToPurge(ctx context.Context, workspaceID int64) ([]Archive, error) {
	var rows []Archive
	err := s.read(ctx).Where("workspace_id = ? AND needs_deletion", workspaceID).Order("start_date").Order("id").Find(&rows).Error
	return rows, err
}
