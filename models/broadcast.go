package models

import (
	"context"
	"time"
)

// BroadcastStatus says where a broadcast stands (RapidPro's current vocabulary, as flow starts').
type BroadcastStatus string

const (
	BroadcastPending     BroadcastStatus = "pending"   // made, its recipients not yet known
	BroadcastQueued      BroadcastStatus = "queued"    // its recipients are known
	BroadcastStarted     BroadcastStatus = "started"   // its first batch of messages is made
	BroadcastCompleted   BroadcastStatus = "completed" // every recipient has their message
	BroadcastFailed      BroadcastStatus = "failed"
	BroadcastInterrupted BroadcastStatus = "interrupted"
)

// BroadcastType tells RapidPro's broadcasts from Weni's WhatsApp ones (broadcast_type).
type BroadcastType string

const (
	BroadcastMessage  BroadcastType = "M" // broadcasts.json: translations by language
	BroadcastWhatsApp BroadcastType = "W" // whatsapp_broadcasts.json: one msg object, its WhatsApp extras kept
)

// Broadcast is a message to many contacts, in several languages, sent in the background.
type Broadcast struct {
	ID           int64 `gorm:"primaryKey"`
	UUID         string
	WorkspaceID  int64
	Status       BroadcastStatus
	Translations string // a JSON object by language: {"eng": {"text", "attachments", "quick_replies"}}
	BaseLanguage string
	URNs         StringList `gorm:"column:urns"` // the URNs it was given, normalized
	ContactCount int        // -1 until its recipients are known
	CreatedByID  *int64
	IsActive     bool
	CreatedOn    time.Time
	ModifiedOn   time.Time
	// BroadcastType is M unless whatsapp_broadcasts made it; Metadata is a W broadcast's msg object, and
	// ChannelID the channel it was forced onto
	BroadcastType BroadcastType
	Metadata      *string
	ChannelID     *int64
}

func (Broadcast) TableName() string { return "broadcasts" }

// BroadcastSpec is what a new broadcast is made of.
type BroadcastSpec struct {
	Translations string // a JSON object by language
	BaseLanguage string
	ContactIDs   []int64
	GroupIDs     []int64
	URNs         []URNSpec     // normalized; contacts are found or made for them when the broadcast is resolved
	CreatedByID  *int64        // nil when no user made it
	Type         BroadcastType // "" is BroadcastMessage
	Metadata     *string       // a W broadcast's msg object (JSON)
	ChannelID    *int64
}

type broadcastContact struct {
	BroadcastID int64
	ContactID   int64
}

func (broadcastContact) TableName() string { return "broadcast_contacts" }

type broadcastGroup struct {
	BroadcastID int64
	GroupID     int64
}

func (broadcastGroup) TableName() string { return "broadcast_groups" }

// CreateBroadcast makes a pending broadcast with its contacts and groups in one transaction; broadcast workers
// are woken once it commits.
func (s *Store) CreateBroadcast(ctx context.Context, ws *Workspace, spec BroadcastSpec) (*Broadcast, error) {
	var b *Broadcast
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		b, err = tx.InsertBroadcast(ws.ID, spec)
		return err
	})
	return b, err
}

// InsertBroadcast adds a pending broadcast with its contacts and groups; broadcast workers are woken once the
// transaction commits.
func (tx *Tx) InsertBroadcast(workspaceID int64, spec BroadcastSpec) (*Broadcast, error) {
	now := tx.s.now()
	b := &Broadcast{UUID: tx.s.NewUUID(), WorkspaceID: workspaceID, Status: BroadcastPending, Translations: spec.Translations,
		BaseLanguage: spec.BaseLanguage, URNs: StringList{}, ContactCount: -1, CreatedByID: spec.CreatedByID, IsActive: true,
		CreatedOn: now, ModifiedOn: now, BroadcastType: spec.Type, Metadata: spec.Metadata, ChannelID: spec.ChannelID}
	if b.BroadcastType == "" {
		b.BroadcastType = BroadcastMessage
	}
	for _, u := range spec.URNs {
		b.URNs = append(b.URNs, u.Identity)
	}
	if err := tx.db.Create(b).Error; err != nil {
		return nil, err
	}
	var contacts []broadcastContact
	for _, id := range uniqueIDs(spec.ContactIDs) {
		contacts = append(contacts, broadcastContact{BroadcastID: b.ID, ContactID: id})
	}
	var groups []broadcastGroup
	for _, id := range uniqueIDs(spec.GroupIDs) {
		groups = append(groups, broadcastGroup{BroadcastID: b.ID, GroupID: id})
	}
	if len(contacts) > 0 {
		if err := tx.db.Create(&contacts).Error; err != nil {
			return nil, err
		}
	}
	if len(groups) > 0 {
		if err := tx.db.Create(&groups).Error; err != nil {
			return nil, err
		}
	}
	tx.Signal(WorkBroadcasts)
	return b, nil
}

// BroadcastListing is a broadcast as the API lists it: with the contacts and groups it was given and how many
// messages it has made so far.
type BroadcastListing struct {
	Broadcast
	Contacts []ContactRef `gorm:"-"`
	Groups   []GroupRef   `gorm:"-"`
	MsgCount int64        `gorm:"-"`
}

// BroadcastQuery builds a listing of a workspace's active broadcasts, newest first.
type BroadcastQuery struct{ query[BroadcastListing] }

// Broadcasts starts a listing of the workspace's broadcasts (RapidPro's, type M).
func (s *Store) Broadcasts(workspaceID int64) *BroadcastQuery {
	return s.broadcastsOf(workspaceID, BroadcastMessage)
}

// WhatsAppBroadcasts starts a listing of the workspace's whatsapp_broadcasts (type W).
func (s *Store) WhatsAppBroadcasts(workspaceID int64) *BroadcastQuery {
	return s.broadcastsOf(workspaceID, BroadcastWhatsApp)
}

func (s *Store) broadcastsOf(workspaceID int64, t BroadcastType) *BroadcastQuery {
	q := &BroadcastQuery{activeIn(s, workspaceID, "broadcasts", "created_on", func(b *BroadcastListing) Position {
		return Position{Time: b.CreatedOn, ID: b.ID}
	})}
	q.l.and("broadcast_type = ?", t)
	return q
}

// WithUUID keeps the broadcast with a UUID.
func (q *BroadcastQuery) WithUUID(uuid string) *BroadcastQuery { q.l.and("uuid = ?", uuid); return q }

// WithID keeps the broadcast with an id.
func (q *BroadcastQuery) WithID(id int64) *BroadcastQuery { q.l.and("id = ?", id); return q }

// CreatedIn keeps the broadcasts made within a range.
func (q *BroadcastQuery) CreatedIn(r TimeRange) *BroadcastQuery {
	q.l.within("created_on", r)
	return q
}

// Page reads one page of the listing with its broadcasts' contacts, groups and message counts.
func (q *BroadcastQuery) Page(ctx context.Context, spec PageSpec) (*Page[BroadcastListing], error) {
	p, err := q.query.Page(ctx, spec)
	if err != nil {
		return nil, err
	}
	return p, q.s.loadBroadcastDetails(ctx, p.Rows)
}

// First reads the listing's broadcast (the one WithID or WithUUID names), nil when there is none.
func (q *BroadcastQuery) First(ctx context.Context) (*BroadcastListing, error) {
	return first(q.Page(ctx, PageSpec{Size: 1}))
}

// loadBroadcastDetails fills in a page's contacts, groups and message counts: three queries, run at once.
func (s *Store) loadBroadcastDetails(ctx context.Context, rows []BroadcastListing) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	d, err := s.loadParentDetails(ctx, ids, "broadcast_contacts", "broadcast_groups", "broadcast_id", "msgs", "broadcast_id")
	if err != nil {
		return err
	}
	for i := range rows {
		id := rows[i].ID
		rows[i].Contacts, rows[i].Groups, rows[i].MsgCount = d.contacts(id), d.groups(id), d.counts[id]
	}
	return nil
}
