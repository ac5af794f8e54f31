package models

import (
	"context"
	"errors"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"
)

// StartStatus and StartType say where a flow start stands and what made it.
type (
	StartStatus string
	StartType   string
)

// Flow start statuses (RapidPro's current vocabulary) and types.
const (
	StartPending     StartStatus = "pending"
	StartQueued      StartStatus = "queued"
	StartStarted     StartStatus = "started"
	StartCompleted   StartStatus = "completed"
	StartFailed      StartStatus = "failed"
	StartInterrupted StartStatus = "interrupted"

	StartTypeAPI     StartType = "api"
	StartTypeZapier  StartType = "zapier"
	StartTypeFlow    StartType = "flow"
	StartTypeTrigger StartType = "trigger"
)

// FlowStart starts contacts, groups and URNs in a flow, in the background.
type FlowStart struct {
	ID                  int64 `gorm:"primaryKey"`
	UUID                string
	WorkspaceID         int64
	FlowID              int64
	StartType           StartType
	Status              StartStatus
	Params              string // a JSON object, @trigger.params
	RestartParticipants bool
	ExcludeActive       bool
	ContactCount        int     // -1 until resolved
	CreatedByID         *int64  // nil for starts by flows and triggers
	Query               *string // a contact query for who else to start
	ParentSummary       *string // starts by flows: the starting run, as @parent
	SessionHistory      *string // starts by flows: how deep the chain of sessions is
	CreatedOn           time.Time
	ModifiedOn          time.Time
}

func (FlowStart) TableName() string { return "flow_starts" }

// FlowStartSpec is what a new flow start is made of. URNs are normalized; the contacts that have them are
// started, and a contact is created for each URN no contact has yet.
type FlowStartSpec struct {
	FlowID              int64
	StartType           StartType // StartTypeAPI or StartTypeZapier
	ContactIDs          []int64
	GroupIDs            []int64
	URNs                []URNSpec
	RestartParticipants bool
	ExcludeActive       bool
	Params              string // a JSON object
	CreatedByID         int64
}

// flowStartContact and flowStartGroup say who a start was asked to start.
type flowStartContact struct {
	StartID   int64
	ContactID int64
	Listed    bool // given as a contact; false for the contact of a URN it was given, started but not listed
}

func (flowStartContact) TableName() string { return "flow_start_contacts" }

type flowStartGroup struct {
	StartID int64
	GroupID int64
}

func (flowStartGroup) TableName() string { return "flow_start_groups" }

// CreateFlowStart makes a pending start, with its contacts and groups and the contacts of its URNs (created
// when new), in one transaction: nothing is written unless all of it is. Start workers are woken once it
// commits, and start its contacts.
//
// A start that loses a race to create a URN's contact (another request made it first) is tried again, and
// then finds that contact; every loss is one more URN taken, so there are at most as many tries as URNs.
func (s *Store) CreateFlowStart(ctx context.Context, ws *Workspace, spec FlowStartSpec) (*FlowStart, error) {
	for attempt := 0; ; attempt++ {
		start, err := s.createFlowStart(ctx, ws, spec)
		var taken *ErrURNTaken
		if errors.As(err, &taken) && attempt < len(spec.URNs) {
			continue
		}
		return start, err
	}
}

func (s *Store) createFlowStart(ctx context.Context, ws *Workspace, spec FlowStartSpec) (*FlowStart, error) {
	createdBy := spec.CreatedByID
	start := &FlowStart{UUID: s.NewUUID(), WorkspaceID: ws.ID, FlowID: spec.FlowID, StartType: spec.StartType, Status: StartPending,
		Params: spec.Params, RestartParticipants: spec.RestartParticipants, ExcludeActive: spec.ExcludeActive, ContactCount: -1,
		CreatedByID: &createdBy}
	err := s.Write(ctx, func(tx *Tx) error {
		var urnContactIDs []int64
		for _, u := range spec.URNs {
			c, err := tx.ContactForURN(ctx, ws, u)
			if err != nil {
				return err
			}
			urnContactIDs = append(urnContactIDs, c.ID)
		}
		if err := tx.InsertFlowStart(start, spec.ContactIDs, spec.GroupIDs); err != nil {
			return err
		}
		return tx.insertStartContacts(start.ID, urnContactIDs, false, spec.ContactIDs)
	})
	return start, err
}

// InsertFlowStart adds a start with its contacts and groups; start workers are woken once it commits.
func (tx *Tx) InsertFlowStart(start *FlowStart, contactIDs, groupIDs []int64) error {
	now := tx.s.now()
	if start.UUID == "" {
		start.UUID = tx.s.NewUUID()
	}
	start.CreatedOn, start.ModifiedOn = now, now
	if err := tx.db.Create(start).Error; err != nil {
		return err
	}
	if err := tx.insertStartContacts(start.ID, contactIDs, true, nil); err != nil {
		return err
	}
	var groups []flowStartGroup
	for _, id := range uniqueIDs(groupIDs) {
		groups = append(groups, flowStartGroup{StartID: start.ID, GroupID: id})
	}
	if len(groups) > 0 {
		if err := tx.db.Create(&groups).Error; err != nil {
			return err
		}
	}
	tx.Signal(WorkStarts)
	return nil
}

// insertStartContacts adds contacts to a start, listed or not, leaving out those it has already (except).
func (tx *Tx) insertStartContacts(startID int64, contactIDs []int64, listed bool, except []int64) error {
	var rows []flowStartContact
	for _, id := range uniqueIDs(contactIDs) {
		if !slices.Contains(except, id) {
			rows = append(rows, flowStartContact{StartID: startID, ContactID: id, Listed: listed})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.db.Create(&rows).Error
}

// ContactRef and GroupRef are what listings show of the contacts and groups they refer to.
type ContactRef struct {
	UUID string
	Name *string
}

type GroupRef struct {
	UUID string
	Name string
}

// StartListing is a flow start as the API lists it: with its flow, the contacts and groups it was given (not
// the contacts of the URNs it was given), and how many runs it has made so far.
type StartListing struct {
	FlowStart
	FlowUUID string
	FlowName string
	Contacts []ContactRef `gorm:"-"`
	Groups   []GroupRef   `gorm:"-"`
	RunCount int64        `gorm:"-"`
}

// StartQuery builds a listing of a workspace's flow starts made by users (not those made by flows and
// triggers), ordered by when they last changed.
type StartQuery struct{ query[StartListing] }

// Starts starts a listing of the workspace's flow starts.
func (s *Store) Starts(workspaceID int64) *StartQuery {
	q := &StartQuery{newQuery(s, "flow_starts AS s", "s.modified_on", "s.id", func(s *StartListing) Position { return Position{Time: s.ModifiedOn, ID: s.ID} })}
	q.l.sel = "s.*, f.uuid AS flow_uuid, f.name AS flow_name"
	q.l.joins = []string{"JOIN flows f ON f.id = s.flow_id"}
	q.l.and("s.workspace_id = ? AND s.created_by_id IS NOT NULL", workspaceID)
	return q
}

// WithUUID keeps the start with a UUID.
func (q *StartQuery) WithUUID(uuid string) *StartQuery { q.l.and("s.uuid = ?", uuid); return q }

// WithID keeps the start with an id.
func (q *StartQuery) WithID(id int64) *StartQuery { q.l.and("s.id = ?", id); return q }

// ModifiedIn keeps the starts last changed within a range.
func (q *StartQuery) ModifiedIn(r TimeRange) *StartQuery { q.l.within("s.modified_on", r); return q }

// Page reads one page of the listing with its starts' contacts, groups and run counts.
func (q *StartQuery) Page(ctx context.Context, spec PageSpec) (*Page[StartListing], error) {
	p, err := q.query.Page(ctx, spec)
	if err != nil {
		return nil, err
	}
	return p, q.s.loadStartDetails(ctx, p.Rows)
}

// First reads the listing's start (the one WithID or WithUUID names), nil when there is none.
func (q *StartQuery) First(ctx context.Context) (*StartListing, error) {
	return first(q.Page(ctx, PageSpec{Size: 1}))
}

// loadStartDetails fills in the contacts and groups (each by id) and run counts of a page of starts: three
// queries whatever the page's size, run at once.
func (s *Store) loadStartDetails(ctx context.Context, starts []StartListing) error {
	if len(starts) == 0 {
		return nil
	}
	ids := make([]int64, len(starts))
	for i := range starts {
		ids[i] = starts[i].ID
	}
	d, err := s.loadParentDetails(ctx, ids, "(SELECT * FROM flow_start_contacts WHERE listed)", "flow_start_groups", "start_id", "flow_runs", "start_id")
	if err != nil {
		return err
	}
	for i := range starts {
		id := starts[i].ID
		starts[i].Contacts, starts[i].Groups, starts[i].RunCount = d.contacts(id), d.groups(id), d.counts[id]
	}
	return nil
}

// parentDetails are what listings of starts and broadcasts show of the contacts and groups they were given
// and of what they made, by the parent's id.
type parentDetails struct {
	contactsOf map[int64][]ContactRef
	groupsOf   map[int64][]GroupRef
	counts     map[int64]int64
}

func (d *parentDetails) contacts(id int64) []ContactRef {
	if c := d.contactsOf[id]; c != nil {
		return c
	}
	return []ContactRef{}
}

func (d *parentDetails) groups(id int64) []GroupRef {
	if g := d.groupsOf[id]; g != nil {
		return g
	}
	return []GroupRef{}
}

// loadParentDetails reads, for parents (starts, broadcasts) by id, their contacts and groups from the link tables
// or subqueries (each with a column naming the parent) and how many rows of made carry the parent's id in madeBy: three
// queries, run at once.
func (s *Store) loadParentDetails(ctx context.Context, ids []int64, contactLinks, groupLinks, parent, made, madeBy string) (*parentDetails, error) {
	var contacts []struct {
		ParentID int64
		ContactRef
	}
	var groups []struct {
		ParentID int64
		GroupRef
	}
	var counts []struct {
		ParentID int64
		N        int64
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return s.read(gctx).Table(contactLinks+" AS l").Select("l."+parent+" AS parent_id, c.uuid, c.name").
			Joins("JOIN contacts c ON c.id = l.contact_id").Where("l."+parent+" IN ?", ids).Order("c.id").Scan(&contacts).Error
	})
	g.Go(func() error {
		return s.read(gctx).Table(groupLinks+" AS l").Select("l."+parent+" AS parent_id, g.uuid, g.name").
			Joins("JOIN contact_groups g ON g.id = l.group_id").Where("l."+parent+" IN ?", ids).Order("g.id").Scan(&groups).Error
	})
	g.Go(func() error {
		return s.read(gctx).Table(made).Select(madeBy+" AS parent_id, COUNT(*) AS n").
			Where(madeBy+" IN ?", ids).Group(madeBy).Scan(&counts).Error
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	d := &parentDetails{contactsOf: map[int64][]ContactRef{}, groupsOf: map[int64][]GroupRef{}, counts: map[int64]int64{}}
	for _, c := range contacts {
		d.contactsOf[c.ParentID] = append(d.contactsOf[c.ParentID], c.ContactRef)
	}
	for _, gr := range groups {
		d.groupsOf[gr.ParentID] = append(d.groupsOf[gr.ParentID], gr.GroupRef)
	}
	for _, n := range counts {
		d.counts[n.ParentID] = n.N
	}
	return d, nil
}
