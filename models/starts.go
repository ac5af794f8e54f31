package models

import (
	"context"
	"errors"
	"slices"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// FlowStartSpec is what a new flow start is made of. URNs are normalized; the contacts that have them are
// started, and a contact is created for each URN no contact has yet.
type FlowStartSpec struct {
	FlowID              int64
	StartType           string // StartTypeAPI or StartTypeZapier
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
	StartID   int64 `gorm:"column:start_id"`
	ContactID int64 `gorm:"column:contact_id"`
}

func (flowStartContact) TableName() string { return "flow_start_contacts" }

type flowStartGroup struct {
	StartID int64 `gorm:"column:start_id"`
	GroupID int64 `gorm:"column:group_id"`
}

func (flowStartGroup) TableName() string { return "flow_start_groups" }

// CreateFlowStart makes a pending start, with its contacts and groups and the contacts of its URNs (created
// when new), in one transaction: nothing is written unless all of it is. Workers start its contacts later.
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
	err := s.Write(ctx, func(tx *gorm.DB) error {
		contactIDs := slices.Clone(spec.ContactIDs)
		for _, u := range spec.URNs {
			id, err := s.ContactForURN(ctx, tx, ws, u)
			if err != nil {
				return err
			}
			contactIDs = append(contactIDs, id)
		}
		return s.InsertFlowStartTx(tx, start, contactIDs, spec.GroupIDs)
	})
	return start, err
}

// ContactForURN is the active contact with a URN, made now (in the caller's transaction) when there is none.
func (s *Store) ContactForURN(ctx context.Context, tx *gorm.DB, ws *Workspace, u URNSpec) (int64, error) {
	var ids []int64
	err := tx.Table("contact_urns AS u").Joins("JOIN contacts c ON c.id = u.contact_id AND c.is_active").
		Where("u.workspace_id = ? AND u.identity = ?", ws.ID, u.Identity).Limit(1).Pluck("c.id", &ids).Error
	if err != nil || len(ids) > 0 {
		return firstID(ids), err
	}
	c, err := s.CreateContactTx(ctx, tx, ws, ContactSpec{URNs: []URNSpec{u}, SetURNs: true})
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}

func firstID(ids []int64) int64 {
	if len(ids) == 0 {
		return 0
	}
	return ids[0]
}

// uniqueIDs keeps the first of each id, in order.
func uniqueIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
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

// StartListing is a flow start as the API lists it: with its flow, the contacts and groups it was given, and
// how many runs it has made so far.
type StartListing struct {
	FlowStart
	FlowUUID string       `gorm:"column:flow_uuid"`
	FlowName string       `gorm:"column:flow_name"`
	Contacts []ContactRef `gorm:"-"`
	Groups   []GroupRef   `gorm:"-"`
	RunCount int64        `gorm:"-"`
}

// StartsQuery selects a workspace's flow starts made by users (as s), not those made by flows and triggers,
// with their flows. Fill in the rest with LoadStartDetails.
func (s *Store) StartsQuery(ctx context.Context, workspaceID int64) *gorm.DB {
	return s.Read(ctx).Table("flow_starts AS s").Select("s.*, f.uuid AS flow_uuid, f.name AS flow_name").
		Joins("JOIN flows f ON f.id = s.flow_id").
		Where("s.workspace_id = ? AND s.created_by_id IS NOT NULL", workspaceID)
}

// LoadStartDetails fills in the contacts and groups (each by id) and run counts of a page of starts: three
// queries whatever the page's size, run at once.
func (s *Store) LoadStartDetails(ctx context.Context, starts []StartListing) error {
	if len(starts) == 0 {
		return nil
	}
	ids := make([]int64, len(starts))
	byID := make(map[int64]*StartListing, len(starts))
	for i := range starts {
		ids[i] = starts[i].ID
		byID[starts[i].ID] = &starts[i]
		starts[i].Contacts, starts[i].Groups = []ContactRef{}, []GroupRef{}
	}
	var contacts []struct {
		StartID int64
		ContactRef
	}
	var groups []struct {
		StartID int64
		GroupRef
	}
	var counts []struct {
		StartID int64
		N       int64
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return s.Read(gctx).Table("flow_start_contacts AS sc").Select("sc.start_id, c.uuid, c.name").
			Joins("JOIN contacts c ON c.id = sc.contact_id").Where("sc.start_id IN ?", ids).Order("c.id").Scan(&contacts).Error
	})
	g.Go(func() error {
		return s.Read(gctx).Table("flow_start_groups AS sg").Select("sg.start_id, g.uuid, g.name").
			Joins("JOIN contact_groups g ON g.id = sg.group_id").Where("sg.start_id IN ?", ids).Order("g.id").Scan(&groups).Error
	})
	g.Go(func() error {
		return s.Read(gctx).Table("flow_runs").Select("start_id, COUNT(*) AS n").
			Where("start_id IN ?", ids).Group("start_id").Scan(&counts).Error
	})
	if err := g.Wait(); err != nil {
		return err
	}
	for _, c := range contacts {
		byID[c.StartID].Contacts = append(byID[c.StartID].Contacts, c.ContactRef)
	}
	for _, gr := range groups {
		byID[gr.StartID].Groups = append(byID[gr.StartID].Groups, gr.GroupRef)
	}
	for _, n := range counts {
		byID[n.StartID].RunCount = n.N
	}
	return nil
}
