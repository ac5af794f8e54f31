package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// An import writes a RapidPro export into a workspace, as RapidPro's "import app" does: flows, fields, groups,
// campaigns and triggers, in one transaction that moves the workspace's config version on. Package flows reads
// and checks the file (migrating its flows to the engine's spec version) into an ImportSpec; Store.Import
// matches it against what the workspace has and writes the difference. Importing the same file again matches
// everything it made the first time, so nothing is duplicated:
//
//   - flows by UUID: name, type, definition and expiry are replaced and the revision moves on; an archived or
//     deleted flow comes back. The export's UUIDs are kept unless another workspace holds one: that flow gets
//     a UUID of the workspace's own and every reference to it follows (import_flow_uuids.go)
//   - fields by key: the name and type the export's fields (or a campaign event's date field) give replace
//     the field's, as RapidPro's get_or_create does; the names in flows' references only name new fields
//   - groups, labels and topics by UUID, else by name ignoring case; an existing group keeps its query. A new
//     one keeps the export's UUID unless another row has it, in which case it gets a new one and the
//     flows referring to it are rewritten to use it
//   - campaigns by UUID, else by name; their events by UUID within the campaign (events the export doesn't
//     list are deactivated)
//   - keyword and catch-all triggers: one matching the same keywords (or none), groups, flow and exclusions is
//     kept; otherwise a new one is made and the triggers it conflicts with are archived
//   - resthooks: every slug a flow calls gets a row
//
// Campaign events keep the export's start mode (interrupt, RapidPro's default, when it gives none), and an
// imported campaign's fires are worked out again from now; a message event's translations are stored as a JSON object whose first key is its base language.

// ImportError is an export that can't be imported as it is. Its message says why, for people.
type ImportError struct{ Msg string }

func (e *ImportError) Error() string { return e.Msg }

func importErrorf(format string, args ...any) error {
	return &ImportError{Msg: fmt.Sprintf(format, args...)}
}

// LimitError is a write that would take a workspace past its limit of one kind of object.
type LimitError struct{ Kind string }

func (e *LimitError) Error() string { return "workspace has reached its limit of " + e.Kind }

// Is makes a LimitError an ErrLimitReached.
func (e *LimitError) Is(target error) bool { return target == ErrLimitReached }

// Ref names an object by UUID, as exports refer to flows, groups, labels and topics.
type Ref struct {
	UUID string
	Name string
}

// FieldRef names a contact field by key.
type FieldRef struct {
	Key  string
	Name string
}

// ImportSpec is an export file read, checked and migrated: everything Store.Import writes.
type ImportSpec struct {
	Flows     []ImportFlow
	Fields    []ImportField
	Groups    []ImportGroup
	Campaigns []ImportCampaign
	Triggers  []ImportTrigger

	// GroupsUsingField are the workspace's smart groups whose queries use each field, by key: a field whose
	// type the import changes sets them evaluating again.
	GroupsUsingField map[string][]int64
}

// ImportFlow is a flow of an export, its definition migrated to the engine's spec version, with what it uses.
type ImportFlow struct {
	UUID           string
	Name           string
	FlowType       FlowType
	SpecVersion    string
	Definition     string
	ExpiresMinutes int

	Flows     []Ref      // flows it enters or starts: each must be in the export or the workspace
	Fields    []FieldRef // made if missing (text)
	Groups    []Ref      // made if missing (manual)
	Labels    []Ref      // made if missing
	Topics    []Ref      // made if missing
	Resthooks []string   // slugs, lowercase
}

// ImportField is a field of an export. An empty Type leaves an existing field's type alone (new fields are text).
type ImportField struct {
	Key  string
	Name string
	Type string
}

// ImportGroup is a group of an export: smart when it has a query.
type ImportGroup struct {
	UUID  string
	Name  string
	Query *string
}

// ImportCampaign is a campaign of an export.
type ImportCampaign struct {
	UUID   string
	Name   string
	Group  Ref
	Events []ImportEvent
}

// ImportEvent is a campaign event: a flow to start (Flow) or a message to send (Message).
type ImportEvent struct {
	UUID         string // "" for a new one
	Offset       int
	Unit         string   // minutes, hours, days or weeks
	DeliveryHour int      // -1 for the same hour as the date
	RelativeTo   FieldRef // a date field, or a system date (SystemCreatedOn, SystemLastSeenOn) by its key
	StartMode    string   // StartInterrupt, StartSkip or StartPassive; "" for the default, interrupt
	Flow         *Ref
	Message      []Translation // base language first
}

// ImportTrigger is a keyword or catch-all trigger of an export.
type ImportTrigger struct {
	Type          TriggerType // TriggerKeyword, TriggerCatchAll or TriggerClosedTicket
	Flow          Ref
	Groups        []Ref
	ExcludeGroups []Ref
	Keywords      []string // lowercase
	MatchType     string   // MatchFirstWord or MatchOnlyWord, for keyword triggers
}

// ImportResult is what an import wrote: every flow, campaign, field and group of the export (or used by it),
// new or matched, in the order they were met.
type ImportResult struct {
	Flows     []Ref
	Campaigns []Ref
	Fields    []FieldRef
	Groups    []Ref

	// NewSmartGroups were made by the import and are evaluating: group workers work out their members.
	NewSmartGroups []Group
	// RetypedFields are the keys of fields whose type changed: the smart groups using them are evaluating again.
	RetypedFields []string
}

// Import writes spec into a workspace in one transaction: all of it or, on any error, nothing. Smart groups it
// makes, and those using a field whose type it changes, are evaluating; the group workers are woken once it
// commits.
func (s *Store) Import(ctx context.Context, workspaceID int64, spec *ImportSpec) (*ImportResult, error) {
	var result *ImportResult
	err := s.writeConfig(ctx, func(tx *Tx) error {
		if err := tx.lockWorkspace(workspaceID); err != nil {
			return err
		}
		imp := &importer{s: s, tx: tx, ws: workspaceID, now: s.now(), created: map[string]int{}, result: &ImportResult{},
			seenFields: map[string]bool{}, seenGroups: map[int64]bool{}, mapping: map[string]string{}}
		if err := imp.load(); err != nil {
			return err
		}
		if err := imp.run(spec); err != nil {
			return err
		}
		for _, key := range imp.fieldOrder {
			imp.result.Fields = append(imp.result.Fields, FieldRef{Key: key, Name: imp.fields[key].Name})
		}
		if err := imp.reevaluate(spec.GroupsUsingField); err != nil {
			return err
		}
		result = imp.result
		return imp.checkLimits()
	}, workspaceID)
	if errors.Is(err, ErrNameTaken) {
		// a name taken by a concurrent write, between our reading and writing it
		return nil, importErrorf("A name in the export was taken by another change at the same time; try again.")
	}
	return result, err
}

// importer is one import's transaction and what it knows of the workspace.
type importer struct {
	s      *Store
	tx     *Tx
	ws     int64
	wsUUID string
	now    time.Time
	result *ImportResult

	fields     map[string]*Field // active, by key
	groups     []*Group          // active
	labels     []*Label          // active
	topics     []*Topic          // active
	flows      map[string]*Flow  // every flow, by UUID
	specFlows  map[string]bool   // UUIDs of the export's flows
	created    map[string]int    // new objects of each limited kind
	mapping    map[string]string // export UUID -> workspace UUID, where they differ
	seenFields map[string]bool
	fieldOrder []string // keys of the fields the import used, in the order it met them
	seenGroups map[int64]bool
}

func (imp *importer) load() error {
	if err := imp.tx.db.Raw("SELECT uuid FROM workspaces WHERE id = ?", imp.ws).Scan(&imp.wsUUID).Error; err != nil {
		return err
	}
	var fields []*Field
	if err := imp.tx.db.Where("workspace_id = ? AND is_active", imp.ws).Find(&fields).Error; err != nil {
		return err
	}
	imp.fields = map[string]*Field{}
	for _, f := range fields {
		imp.fields[f.Key] = f
	}
	for _, rows := range []any{&imp.groups, &imp.labels, &imp.topics} {
		if err := imp.tx.db.Where("workspace_id = ? AND is_active", imp.ws).Order("id").Find(rows).Error; err != nil {
			return err
		}
	}
	var flows []*Flow // not their definitions, which the import only replaces
	err := imp.tx.db.Select("id", "uuid", "name", "flow_type", "revision", "is_archived", "is_active").
		Where("workspace_id = ?", imp.ws).Find(&flows).Error
	if err != nil {
		return err
	}
	imp.flows = map[string]*Flow{}
	for _, f := range flows {
		imp.flows[f.UUID] = f
	}
	return nil
}

func (imp *importer) run(spec *ImportSpec) error {
	imp.specFlows = map[string]bool{}
	for _, f := range spec.Flows {
		imp.specFlows[f.UUID] = true
	}
	if err := imp.mapFlowUUIDs(spec); err != nil {
		return err
	}

	// fields, then groups, then flows and what they use, then campaigns and triggers, which use flows
	for _, step := range []func() error{
		func() error {
			return forEach(spec.Fields, func(f *ImportField) error { _, err := imp.field(f.Key, f.Name, f.Type, true); return err })
		},
		func() error {
			return forEach(spec.Groups, func(g *ImportGroup) error { _, err := imp.group(Ref{UUID: g.UUID, Name: g.Name}, g.Query); return err })
		},
		func() error { return forEach(spec.Flows, imp.flowDependencies) },
		func() error { return forEach(spec.Flows, imp.flow) },
		func() error { return forEach(spec.Campaigns, imp.campaign) },
		func() error { return forEach(spec.Triggers, imp.trigger) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// forEach calls fn with each item in turn, stopping at the first error.
func forEach[T any](items []T, fn func(*T) error) error {
	for i := range items {
		if err := fn(&items[i]); err != nil {
			return err
		}
	}
	return nil
}

// reevaluate sets evaluating the smart groups using a field whose type the import changed, and has the new
// smart groups and those evaluated once it commits.
func (imp *importer) reevaluate(using map[string][]int64) error {
	var ids []int64
	for _, key := range imp.result.RetypedFields {
		for _, id := range using[key] {
			if !slices.Contains(ids, id) && !slices.ContainsFunc(imp.result.NewSmartGroups, func(g Group) bool { return g.ID == id }) {
				ids = append(ids, id)
			}
		}
	}
	if len(imp.result.NewSmartGroups) > 0 {
		imp.tx.Signal(WorkGroups)
	}
	return imp.tx.markGroupsEvaluating(imp.ws, ids)
}

// checkLimits refuses an import that made objects past a workspace's limits.
func (imp *importer) checkLimits() error {
	for _, kind := range []string{"fields", "groups", "labels", "topics"} {
		if imp.created[kind] == 0 {
			continue
		}
		var n int64
		if err := countable(imp.tx.db, kind, imp.ws).Count(&n).Error; err != nil {
			return err
		}
		if n > int64(imp.s.Limit(kind)) {
			return &LimitError{Kind: kind}
		}
	}
	return nil
}
