package models

import (
	"context"
)

// MsgFolder is one of RapidPro's message folders (its SystemLabel), as the API names them.
type MsgFolder string

// The folders. FolderAll is no folder: every message visible or archived but for incoming ones not yet
// handled. FolderIncoming is Weni's (RapidPro 7's): every handled incoming message, by when it last changed.
const (
	FolderAll      MsgFolder = ""
	FolderInbox    MsgFolder = "inbox"    // incoming, visible, handled by no flow
	FolderFlows    MsgFolder = "flows"    // incoming, visible, handled by a flow
	FolderArchived MsgFolder = "archived" // incoming, archived
	FolderOutbox   MsgFolder = "outbox"   // outgoing, visible, waiting to be sent (queued or errored)
	FolderSent     MsgFolder = "sent"     // outgoing, visible, taken by the gateway (wired, sent, delivered, read)
	FolderFailed   MsgFolder = "failed"   // outgoing, visible, failed
	FolderIncoming MsgFolder = "incoming"
)

// MsgListing is a message as the API lists it: with its contact, channel, flow and (incoming ones) labels.
type MsgListing struct {
	Msg
	ContactUUID string
	ContactName *string
	ChannelUUID *string
	ChannelName *string
	FlowUUID    *string
	FlowName    *string
	Labels      []Ref `gorm:"-"` // active labels, oldest first; always empty for outgoing messages
}

// MsgQuery builds a listing of a workspace's messages in a folder, newest first: by when they were made, by
// when they were sent for the sent folder, by when they last changed for incoming. Messages of deleted
// contacts are never listed, nor deleted messages (RapidPro deletes the first and never shows the second).
type MsgQuery struct {
	query[MsgListing]
	folder MsgFolder
}

// Msgs starts a listing of the workspace's messages in a folder (FolderAll for none). A folder that isn't one
// of the constants lists nothing.
func (s *Store) Msgs(workspaceID int64, folder MsgFolder) *MsgQuery {
	q := s.msgListing(workspaceID, folder)
	q.l.and("c.is_active")
	switch folder {
	case FolderAll:
		q.l.and("m.visibility IN ? AND m.status <> ?", []MsgVisibility{MsgVisible, MsgArchived}, MsgPending)
	case FolderInbox:
		q.l.and("m.direction = ? AND m.visibility = ? AND m.status = ? AND m.flow_id IS NULL", MsgIn, MsgVisible, MsgHandled)
	case FolderFlows:
		q.l.and("m.direction = ? AND m.visibility = ? AND m.status = ? AND m.flow_id IS NOT NULL", MsgIn, MsgVisible, MsgHandled)
	case FolderArchived:
		q.l.and("m.direction = ? AND m.visibility = ? AND m.status = ?", MsgIn, MsgArchived, MsgHandled)
	case FolderOutbox:
		q.l.and("m.direction = ? AND m.visibility = ? AND m.status IN ?", MsgOut, MsgVisible, []MsgStatus{MsgQueued, MsgErrored})
	case FolderSent:
		q.l.and("m.direction = ? AND m.visibility = ? AND m.status IN ?", MsgOut, MsgVisible, []MsgStatus{MsgWired, MsgSent, MsgDelivered, MsgRead})
	case FolderFailed:
		q.l.and("m.direction = ? AND m.visibility = ? AND m.status = ?", MsgOut, MsgVisible, MsgFailed)
	case FolderIncoming:
		q.l.and("m.direction = ? AND m.visibility IN ? AND m.status = ?", MsgIn, []MsgVisibility{MsgVisible, MsgArchived}, MsgHandled)
	default:
		q.l.nothing()
	}
	return q
}

// msgListing is the listing of every message of a workspace, whatever its state, ordered as folder is.
func (s *Store) msgListing(workspaceID int64, folder MsgFolder) *MsgQuery {
	column, pos := "m.created_on", func(m *MsgListing) Position { return Position{Time: m.CreatedOn, ID: m.ID} }
	switch folder {
	case FolderSent:
		// every message of the folder has been sent; the fallback keeps the order total if one somehow hasn't
		column = "COALESCE(m.sent_on, m.created_on)"
		pos = func(m *MsgListing) Position {
			if m.SentOn != nil {
				return Position{Time: *m.SentOn, ID: m.ID}
			}
			return Position{Time: m.CreatedOn, ID: m.ID}
		}
	case FolderIncoming:
		column, pos = "m.modified_on", func(m *MsgListing) Position { return Position{Time: m.ModifiedOn, ID: m.ID} }
	}
	q := &MsgQuery{query: newQuery(s, "msgs AS m", column, "m.id", pos), folder: folder}
	q.l.sel = "m.*, c.uuid AS contact_uuid, c.name AS contact_name, ch.uuid AS channel_uuid, ch.name AS channel_name, f.uuid AS flow_uuid, f.name AS flow_name"
	q.l.joins = []string{"JOIN contacts c ON c.id = m.contact_id", "LEFT JOIN channels ch ON ch.id = m.channel_id", "LEFT JOIN flows f ON f.id = m.flow_id"}
	q.l.and("m.workspace_id = ?", workspaceID)
	return q
}

// WithUUID keeps the message with a UUID.
func (q *MsgQuery) WithUUID(uuid string) *MsgQuery { q.l.and("m.uuid = ?", uuid); return q }

// WithID keeps the message with an id.
func (q *MsgQuery) WithID(id int64) *MsgQuery { q.l.and("m.id = ?", id); return q }

// InBroadcast keeps the messages a broadcast sent.
func (q *MsgQuery) InBroadcast(broadcastID int64) *MsgQuery {
	q.l.and("m.broadcast_id = ?", broadcastID)
	return q
}

// OfContact keeps the messages to and from the contact with a UUID.
func (q *MsgQuery) OfContact(uuid string) *MsgQuery { q.l.and("c.uuid = ?", uuid); return q }

// OfContactWithURN keeps the messages to and from the contact who has a URN identity now.
func (q *MsgQuery) OfContactWithURN(identity string) *MsgQuery {
	q.l.and("EXISTS (SELECT 1 FROM contact_urns u WHERE u.contact_id = m.contact_id AND u.identity = ?)", identity)
	return q
}

// Labelled keeps the messages with the active label whose name is exactly name, or whose UUID is uuid ("" for
// none), as RapidPro's ?label= finds it.
func (q *MsgQuery) Labelled(uuid, name string) *MsgQuery {
	q.l.and(`EXISTS (SELECT 1 FROM msg_labels ml JOIN labels l ON l.id = ml.label_id
		WHERE ml.msg_id = m.id AND l.workspace_id = m.workspace_id AND l.is_active AND (l.name = ? OR l.uuid = ?))`, name, uuid)
	return q
}

// Within keeps the messages whose time the folder filters by is within a range: when they last changed for
// the incoming folder, else when they were made (the sent folder too, though it is ordered by when they were
// sent, as in RapidPro).
func (q *MsgQuery) Within(r TimeRange) *MsgQuery {
	if q.folder == FolderIncoming {
		q.l.within("m.modified_on", r)
	} else {
		q.l.within("m.created_on", r)
	}
	return q
}

// Nothing empties the listing: a filter named something that doesn't exist.
func (q *MsgQuery) Nothing() *MsgQuery { q.l.nothing(); return q }

// Page reads one page of the listing with its messages' labels: two queries whatever the page's size.
func (q *MsgQuery) Page(ctx context.Context, spec PageSpec) (*Page[MsgListing], error) {
	p, err := q.query.Page(ctx, spec)
	if err != nil {
		return nil, err
	}
	return p, q.s.loadMsgLabels(ctx, p.Rows)
}

// First reads the listing's oldest message, nil when it has none.
func (q *MsgQuery) First(ctx context.Context) (*MsgListing, error) {
	return first(q.Page(ctx, PageSpec{Ascending: true, Size: 1}))
}

// MsgListingByID reads a message of a workspace as the API shows it, whatever its folder: the answer of a
// write that made or changed it. ErrNotFound when the workspace has no such message.
func (s *Store) MsgListingByID(ctx context.Context, workspaceID, id int64) (*MsgListing, error) {
	m, err := s.msgListing(workspaceID, FolderAll).WithID(id).First(ctx)
	if err == nil && m == nil {
		err = ErrNotFound
	}
	return m, err
}

// loadMsgLabels fills in the active labels of a page's incoming messages (outgoing ones are never labelled).
func (s *Store) loadMsgLabels(ctx context.Context, msgs []MsgListing) error {
	byID := make(map[int64]*MsgListing, len(msgs))
	var ids []int64
	for i := range msgs {
		msgs[i].Labels = []Ref{}
		if msgs[i].Direction == MsgIn {
			byID[msgs[i].ID] = &msgs[i]
			ids = append(ids, msgs[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var rows []struct {
		MsgID int64
		Ref
	}
	err := s.read(ctx).Table("msg_labels AS ml").Select("ml.msg_id, l.uuid, l.name").Joins("JOIN labels l ON l.id = ml.label_id").
		Where("ml.msg_id IN ? AND l.is_active", ids).Order("l.id").Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		byID[r.MsgID].Labels = append(byID[r.MsgID].Labels, r.Ref)
	}
	return nil
}

// LabelCounts are how many visible messages (of active contacts, as listed) each of a workspace's labels
// among ids is on (0 for none), all in one query: what labels.json shows as count.
func (s *Store) LabelCounts(ctx context.Context, workspaceID int64, labelIDs []int64) (map[int64]int64, error) {
	counts := make(map[int64]int64, len(labelIDs))
	if len(labelIDs) == 0 {
		return counts, nil
	}
	var rows []struct {
		LabelID int64
		N       int64
	}
	err := s.read(ctx).Table("msg_labels AS ml").Select("ml.label_id, COUNT(*) AS n").Joins("JOIN msgs m ON m.id = ml.msg_id").
		Joins("JOIN contacts c ON c.id = m.contact_id").
		Where("ml.label_id IN ? AND m.workspace_id = ? AND m.visibility = ? AND c.is_active", uniqueIDs(labelIDs), workspaceID, MsgVisible).
		Group("ml.label_id").Scan(&rows).Error
	for _, r := range rows {
		counts[r.LabelID] = r.N
	}
	return counts, err
}
