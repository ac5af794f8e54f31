package models

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// An import writes a RapidPro export into a workspace, as RapidPro's "import app" does: flows, fields, groups,
// campaigns and triggers, in one transaction that moves the workspace's config version on. Package flows reads
// and checks the file (migrating its flows to the engine's spec version) into an ImportSpec; Store.Import
// matches it against what the workspace has and writes the difference. Importing the same file again matches
// everything it made the first time, so nothing is duplicated:
//
//   - flows by UUID (the export's UUIDs are kept): name, type, definition and expiry are replaced and the
//     revision moves on; an archived or deleted flow comes back
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
// Campaign events keep no start mode (they are stored as RapidPro's default, interrupt); a message event's
// translations are stored as a JSON object whose first key is its base language.

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
}

// ImportFlow is a flow of an export, its definition migrated to the engine's spec version, with what it uses.
type ImportFlow struct {
	UUID           string
	Name           string
	FlowType       string // FlowMessage, FlowBackground, FlowSurvey or FlowVoice
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
	Unit         string // minutes, hours, days or weeks
	DeliveryHour int    // -1 for the same hour as the date
	RelativeTo   FieldRef
	Flow         *Ref
	Message      []Translation // base language first
}

// Translation is a message in one language.
type Translation struct {
	Lang string
	Text string
}

// Campaign event types and units, as stored.
const (
	EventFlow    = "flow"
	EventMessage = "message"
)

// ImportTrigger is a keyword or catch-all trigger of an export.
type ImportTrigger struct {
	Type          string // TriggerKeyword or TriggerCatchAll
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

	// NewSmartGroups were made by the import and are evaluating: their members are worked out after it.
	NewSmartGroups []Group
	// RetypedFields are the keys of fields whose type changed: smart groups using them need evaluating again.
	RetypedFields []string
}

// Import writes spec into a workspace in one transaction: all of it or, on any error, nothing.
func (s *Store) Import(ctx context.Context, workspaceID int64, spec *ImportSpec) (*ImportResult, error) {
	var result *ImportResult
	err := s.writeConfig(ctx, func(tx *gorm.DB) error {
		if err := s.lockWorkspace(tx, workspaceID); err != nil {
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
	tx     *gorm.DB
	ws     int64
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
	var fields []*Field
	if err := imp.tx.Where("workspace_id = ? AND is_active", imp.ws).Find(&fields).Error; err != nil {
		return err
	}
	imp.fields = map[string]*Field{}
	for _, f := range fields {
		imp.fields[f.Key] = f
	}
	if err := imp.tx.Where("workspace_id = ? AND is_active", imp.ws).Order("id").Find(&imp.groups).Error; err != nil {
		return err
	}
	if err := imp.tx.Where("workspace_id = ? AND is_active", imp.ws).Order("id").Find(&imp.labels).Error; err != nil {
		return err
	}
	if err := imp.tx.Where("workspace_id = ? AND is_active", imp.ws).Order("id").Find(&imp.topics).Error; err != nil {
		return err
	}
	var flows []*Flow // not their definitions, which the import only replaces
	err := imp.tx.Select("id", "uuid", "name", "flow_type", "revision", "is_archived", "is_active").
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

	// fields, then groups, then flows and what they use, then campaigns and triggers, which use flows
	for _, f := range spec.Fields {
		if _, err := imp.field(f.Key, f.Name, f.Type, true); err != nil {
			return err
		}
	}
	for _, g := range spec.Groups {
		if _, err := imp.group(Ref{UUID: g.UUID, Name: g.Name}, g.Query); err != nil {
			return err
		}
	}
	for i := range spec.Flows {
		if err := imp.flowDependencies(&spec.Flows[i]); err != nil {
			return err
		}
	}
	for i := range spec.Flows {
		if err := imp.flow(&spec.Flows[i]); err != nil {
			return err
		}
	}
	for i := range spec.Campaigns {
		if err := imp.campaign(&spec.Campaigns[i]); err != nil {
			return err
		}
	}
	for i := range spec.Triggers {
		if err := imp.trigger(&spec.Triggers[i]); err != nil {
			return err
		}
	}
	return nil
}

// checkLimits refuses an import that made objects past a workspace's limits.
func (imp *importer) checkLimits() error {
	for _, kind := range []string{"fields", "groups", "labels", "topics"} {
		if imp.created[kind] == 0 {
			continue
		}
		var n int64
		if err := countable(imp.tx, kind, imp.ws).Count(&n).Error; err != nil {
			return err
		}
		if n > int64(imp.s.Limit(kind)) {
			return &LimitError{Kind: kind}
		}
	}
	return nil
}

// --- fields ---------------------------------------------------------------------------------------------------

// field gets or makes the field with key. With rename, a valid name different from the field's renames it (the
// names in flows' references to fields only name new ones); a type different from the field's changes it,
// unless campaign events count on it being a date.
func (imp *importer) field(key, name, valueType string, rename bool) (*Field, error) {
	f := imp.fields[key]
	if f == nil {
		if !ValidFieldKey(key) {
			return nil, importErrorf("%q is not a valid contact field key.", key)
		}
		if !ValidFieldName(name) {
			name = unsnakify(key)
		}
		if valueType == "" {
			valueType = FieldText
		}
		f = &Field{UUID: imp.s.NewUUID(), WorkspaceID: imp.ws, Key: key, Name: imp.uniqueFieldName(name, 0),
			ValueType: valueType, AgentAccess: AccessView, IsActive: true, CreatedOn: imp.now, ModifiedOn: imp.now}
		if err := translateDuplicate(imp.tx.Create(f).Error); err != nil {
			return nil, err
		}
		imp.fields[key] = f
		imp.created["fields"]++
	} else {
		updates := map[string]any{}
		if rename && name != "" && name != f.Name && ValidFieldName(name) {
			if unique := imp.uniqueFieldName(name, f.ID); unique != f.Name {
				updates["name"], f.Name = unique, unique
			}
		}
		if valueType != "" && valueType != f.ValueType {
			if f.ValueType == FieldDatetime {
				var n int64
				err := imp.tx.Model(&CampaignEvent{}).Where("relative_to_id = ? AND is_active", f.ID).Count(&n).Error
				if err != nil {
					return nil, err
				}
				if n > 0 {
					return nil, importErrorf("Cannot change type for field '%s' while it is used in campaigns.", key)
				}
			}
			updates["value_type"], f.ValueType = valueType, valueType
			imp.result.RetypedFields = append(imp.result.RetypedFields, key)
		}
		if len(updates) > 0 {
			updates["modified_on"], f.ModifiedOn = imp.now, imp.now
			if err := translateDuplicate(imp.tx.Model(&Field{}).Where("id = ?", f.ID).Updates(updates).Error); err != nil {
				return nil, err
			}
		}
	}
	if !imp.seenFields[key] {
		imp.seenFields[key] = true
		imp.fieldOrder = append(imp.fieldOrder, key)
	}
	return f, nil
}

func (imp *importer) uniqueFieldName(name string, exceptID int64) string {
	return uniqueName(name, MaxFieldNameLen, func(candidate string) bool {
		for _, f := range imp.fields {
			if f.ID != exceptID && strings.EqualFold(f.Name, candidate) {
				return true
			}
		}
		return false
	})
}

// unsnakify makes a field name of a key: "likes_cheese" is "Likes Cheese".
func unsnakify(key string) string {
	words := strings.Fields(strings.ReplaceAll(key, "_", " "))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	name := strings.Join(words, " ")
	if len(name) > MaxFieldNameLen {
		name = strings.TrimSpace(name[:MaxFieldNameLen])
	}
	return name
}

// --- groups, labels and topics ---------------------------------------------------------------------------------

// group gets the group ref names (by UUID, then name) or makes it: smart when query is given.
func (imp *importer) group(ref Ref, query *string) (*Group, error) {
	g := imp.findGroup(ref)
	if g == nil {
		name := CleanName(ref.Name, MaxGroupNameLen)
		if name == "" {
			return nil, importErrorf("Group %s has no name.", ref.UUID)
		}
		uuid, err := imp.freeUUID("contact_groups", ref.UUID)
		if err != nil {
			return nil, err
		}
		g = &Group{UUID: uuid, WorkspaceID: imp.ws, Name: imp.uniqueGroupName(name), Status: GroupReady, IsActive: true,
			CreatedOn: imp.now, ModifiedOn: imp.now}
		if query != nil {
			q := *query
			g.Query, g.Status = &q, GroupEvaluating
		}
		if err := translateDuplicate(imp.tx.Create(g).Error); err != nil {
			return nil, err
		}
		imp.groups = append(imp.groups, g)
		imp.created["groups"]++
		if g.Query != nil {
			imp.result.NewSmartGroups = append(imp.result.NewSmartGroups, *g)
		}
	}
	imp.mapUUID(ref.UUID, g.UUID)
	if !imp.seenGroups[g.ID] {
		imp.seenGroups[g.ID] = true
		imp.result.Groups = append(imp.result.Groups, Ref{UUID: g.UUID, Name: g.Name})
	}
	return g, nil
}

func (imp *importer) findGroup(ref Ref) *Group {
	if ref.UUID != "" {
		for _, g := range imp.groups {
			if g.UUID == ref.UUID {
				return g
			}
		}
	}
	if name := CleanName(ref.Name, MaxGroupNameLen); name != "" {
		for _, g := range imp.groups {
			if strings.EqualFold(g.Name, name) {
				return g
			}
		}
	}
	return nil
}

func (imp *importer) uniqueGroupName(name string) string {
	return uniqueName(name, MaxGroupNameLen, func(candidate string) bool {
		return slices.ContainsFunc(imp.groups, func(g *Group) bool { return strings.EqualFold(g.Name, candidate) })
	})
}

func (imp *importer) label(ref Ref) error {
	for _, l := range imp.labels {
		if l.UUID == ref.UUID {
			return nil
		}
	}
	name := CleanName(ref.Name, MaxLabelNameLen)
	for _, l := range imp.labels {
		if name != "" && strings.EqualFold(l.Name, name) {
			imp.mapUUID(ref.UUID, l.UUID)
			return nil
		}
	}
	if name == "" {
		return importErrorf("Label %s has no name.", ref.UUID)
	}
	uuid, err := imp.freeUUID("labels", ref.UUID)
	if err != nil {
		return err
	}
	l := &Label{UUID: uuid, WorkspaceID: imp.ws, Name: name, IsActive: true, CreatedOn: imp.now, ModifiedOn: imp.now}
	if err := translateDuplicate(imp.tx.Create(l).Error); err != nil {
		return err
	}
	imp.labels = append(imp.labels, l)
	imp.created["labels"]++
	imp.mapUUID(ref.UUID, l.UUID)
	return nil
}

func (imp *importer) topic(ref Ref) error {
	for _, t := range imp.topics {
		if t.UUID == ref.UUID {
			return nil
		}
	}
	name := CleanName(ref.Name, MaxTopicNameLen)
	for _, t := range imp.topics {
		if name != "" && strings.EqualFold(t.Name, name) {
			imp.mapUUID(ref.UUID, t.UUID)
			return nil
		}
	}
	if name == "" {
		return importErrorf("Topic %s has no name.", ref.UUID)
	}
	uuid, err := imp.freeUUID("topics", ref.UUID)
	if err != nil {
		return err
	}
	t := &Topic{UUID: uuid, WorkspaceID: imp.ws, Name: name, IsActive: true, CreatedOn: imp.now, ModifiedOn: imp.now}
	if err := translateDuplicate(imp.tx.Create(t).Error); err != nil {
		return err
	}
	imp.topics = append(imp.topics, t)
	imp.created["topics"]++
	imp.mapUUID(ref.UUID, t.UUID)
	return nil
}

// freeUUID is uuid when no row of table (in any workspace) has it, else a new one.
func (imp *importer) freeUUID(table, uuid string) (string, error) {
	if uuid == "" {
		return imp.s.NewUUID(), nil
	}
	var n int64
	if err := imp.tx.Table(table).Where("uuid = ?", uuid).Count(&n).Error; err != nil {
		return "", err
	}
	if n > 0 {
		return imp.s.NewUUID(), nil
	}
	return uuid, nil
}

func (imp *importer) mapUUID(from, to string) {
	if from != "" && from != to {
		imp.mapping[from] = to
	}
}

// --- flows -----------------------------------------------------------------------------------------------------

// flowDependencies makes sure what a flow uses exists: fields, groups, labels and topics are made if missing;
// flows must be in the export or the workspace.
func (imp *importer) flowDependencies(f *ImportFlow) error {
	for _, ref := range f.Fields {
		if _, err := imp.field(ref.Key, ref.Name, "", false); err != nil {
			return err
		}
	}
	for _, ref := range f.Groups {
		if _, err := imp.group(ref, nil); err != nil {
			return err
		}
	}
	for _, ref := range f.Labels {
		if err := imp.label(ref); err != nil {
			return err
		}
	}
	for _, ref := range f.Topics {
		if err := imp.topic(ref); err != nil {
			return err
		}
	}
	for _, ref := range f.Flows {
		if !imp.flowExists(ref.UUID) {
			return importErrorf("Flow %q (%s) uses the flow %q (%s), which is neither in the export nor in the workspace.",
				f.Name, f.UUID, ref.Name, ref.UUID)
		}
	}
	for _, slug := range f.Resthooks {
		if err := imp.resthook(slug); err != nil {
			return err
		}
	}
	return nil
}

// flowExists reports whether a flow is being imported or is an active flow of the workspace.
func (imp *importer) flowExists(uuid string) bool {
	if imp.specFlows[uuid] {
		return true
	}
	f := imp.flows[uuid]
	return f != nil && f.IsActive
}

// flow writes one of the export's flows: a new row, or the row with its UUID updated (and restored).
func (imp *importer) flow(spec *ImportFlow) error {
	f := imp.flows[spec.UUID]
	var exceptID int64
	if f != nil {
		exceptID = f.ID
	}
	name := imp.uniqueFlowName(CleanName(spec.Name, MaxFlowNameLen), exceptID)
	revision := 1
	if f != nil {
		revision = f.Revision + 1
	}
	definition, err := rewriteDefinition(spec.Definition, imp.mapping, map[string]any{"name": name, "revision": revision})
	if err != nil {
		return importErrorf("Flow %q (%s) can't be read: %v", spec.Name, spec.UUID, err)
	}
	if f == nil {
		f = &Flow{UUID: spec.UUID, WorkspaceID: imp.ws, Name: name, FlowType: spec.FlowType, SpecVersion: spec.SpecVersion,
			Revision: revision, Definition: definition, ExpiresMinutes: spec.ExpiresMinutes, IsActive: true,
			CreatedOn: imp.now, ModifiedOn: imp.now}
		if err := imp.tx.Create(f).Error; err != nil {
			return err
		}
		imp.flows[f.UUID] = f
	} else {
		f.Name, f.FlowType, f.SpecVersion, f.Revision, f.Definition, f.ExpiresMinutes = name, spec.FlowType, spec.SpecVersion, revision, definition, spec.ExpiresMinutes
		f.IsArchived, f.IsActive, f.ModifiedOn = false, true, imp.now
		err := imp.tx.Model(&Flow{}).Where("id = ?", f.ID).Updates(map[string]any{
			"name": f.Name, "flow_type": f.FlowType, "spec_version": f.SpecVersion, "revision": f.Revision,
			"definition": f.Definition, "expires_minutes": f.ExpiresMinutes, "is_archived": false, "is_active": true,
			"modified_on": f.ModifiedOn,
		}).Error
		if err != nil {
			return err
		}
	}
	imp.result.Flows = append(imp.result.Flows, Ref{UUID: f.UUID, Name: f.Name})
	return nil
}

// MaxFlowNameLen bounds a flow's name, as the engine does.
const MaxFlowNameLen = 64

func (imp *importer) uniqueFlowName(name string, exceptID int64) string {
	return uniqueName(name, MaxFlowNameLen, func(candidate string) bool {
		for _, f := range imp.flows {
			if f.IsActive && f.ID != exceptID && strings.EqualFold(f.Name, candidate) {
				return true
			}
		}
		return false
	})
}

// resthook gets or makes the resthook with slug.
func (imp *importer) resthook(slug string) error {
	var hooks []Resthook
	if err := imp.tx.Where("workspace_id = ? AND slug = ?", imp.ws, slug).Find(&hooks).Error; err != nil {
		return err
	}
	if len(hooks) > 0 {
		if hooks[0].IsActive {
			return nil
		}
		return imp.tx.Model(&Resthook{}).Where("id = ?", hooks[0].ID).Updates(map[string]any{"is_active": true, "modified_on": imp.now}).Error
	}
	return imp.tx.Create(&Resthook{WorkspaceID: imp.ws, Slug: slug, IsActive: true, CreatedOn: imp.now, ModifiedOn: imp.now}).Error
}

// flowFor finds the flow a campaign event or trigger names: one of the export's or an active one of the
// workspace's.
func (imp *importer) flowFor(ref Ref, what string) (*Flow, error) {
	f := imp.flows[ref.UUID]
	if f == nil || !f.IsActive {
		return nil, importErrorf("%s uses the flow %q (%s), which is neither in the export nor in the workspace.", what, ref.Name, ref.UUID)
	}
	return f, nil
}

// --- campaigns -------------------------------------------------------------------------------------------------

func (imp *importer) campaign(spec *ImportCampaign) error {
	what := fmt.Sprintf("Campaign %q", spec.Name)
	group, err := imp.group(spec.Group, nil)
	if err != nil {
		return err
	}
	name := CleanName(spec.Name, MaxCampaignNameLen)
	var found []Campaign
	if err := imp.tx.Where("workspace_id = ? AND uuid = ?", imp.ws, spec.UUID).Find(&found).Error; err != nil {
		return err
	}
	if len(found) == 0 {
		err := imp.tx.Where("workspace_id = ? AND is_active AND LOWER(name) = LOWER(?)", imp.ws, name).Order("id").Limit(1).Find(&found).Error
		if err != nil {
			return err
		}
	}
	var c *Campaign
	if len(found) > 0 {
		c = &found[0]
		c.Name, c.GroupID, c.ModifiedOn = name, group.ID, imp.now
		if !c.IsActive {
			c.IsActive, c.IsArchived = true, false
		}
		err := imp.tx.Model(&Campaign{}).Where("id = ?", c.ID).Updates(map[string]any{
			"name": c.Name, "group_id": c.GroupID, "is_active": c.IsActive, "is_archived": c.IsArchived, "modified_on": c.ModifiedOn,
		}).Error
		if err != nil {
			return err
		}
	} else {
		uuid := spec.UUID
		if uuid == "" {
			uuid = imp.s.NewUUID()
		}
		c = &Campaign{UUID: uuid, WorkspaceID: imp.ws, Name: name, GroupID: group.ID, IsActive: true, CreatedOn: imp.now, ModifiedOn: imp.now}
		if err := imp.tx.Create(c).Error; err != nil {
			return err
		}
	}

	var events []CampaignEvent
	if err := imp.tx.Where("campaign_id = ?", c.ID).Find(&events).Error; err != nil {
		return err
	}
	byUUID := map[string]*CampaignEvent{}
	for i := range events {
		byUUID[events[i].UUID] = &events[i]
	}
	kept := map[int64]bool{}
	for i := range spec.Events {
		e := &spec.Events[i]
		field, err := imp.field(e.RelativeTo.Key, e.RelativeTo.Name, FieldDatetime, true)
		if err != nil {
			return err
		}
		row := CampaignEvent{CampaignID: c.ID, RelativeToID: field.ID, Offset: e.Offset, Unit: e.Unit, DeliveryHour: e.DeliveryHour, IsActive: true}
		if e.Flow != nil {
			flow, err := imp.flowFor(*e.Flow, what)
			if err != nil {
				return err
			}
			row.EventType, row.FlowID = EventFlow, &flow.ID
		} else {
			msg := translationsJSON(e.Message)
			row.EventType, row.Message = EventMessage, &msg
		}
		if existing := byUUID[e.UUID]; e.UUID != "" && existing != nil {
			kept[existing.ID] = true
			err := imp.tx.Model(&CampaignEvent{}).Where("id = ?", existing.ID).Updates(map[string]any{
				"relative_to_id": row.RelativeToID, "event_offset": row.Offset, "unit": row.Unit, "delivery_hour": row.DeliveryHour,
				"event_type": row.EventType, "flow_id": row.FlowID, "message": row.Message, "is_active": true,
			}).Error
			if err != nil {
				return err
			}
			continue
		}
		row.UUID, row.CreatedOn = e.UUID, imp.now
		if row.UUID == "" || byUUID[row.UUID] != nil {
			row.UUID = imp.s.NewUUID()
		}
		if err := imp.tx.Create(&row).Error; err != nil {
			return err
		}
		byUUID[row.UUID], kept[row.ID] = &row, true
	}
	for _, e := range events {
		if e.IsActive && !kept[e.ID] {
			if err := imp.tx.Model(&CampaignEvent{}).Where("id = ?", e.ID).Update("is_active", false).Error; err != nil {
				return err
			}
		}
	}
	imp.result.Campaigns = append(imp.result.Campaigns, Ref{UUID: c.UUID, Name: c.Name})
	return nil
}

// MaxCampaignNameLen bounds a campaign's name.
const MaxCampaignNameLen = 64

// translationsJSON writes translations as a JSON object in their order, so the first key is the base language.
func translationsJSON(ts []Translation) string {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, t := range ts {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(t.Lang)
		v, _ := json.Marshal(t.Text)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.String()
}

// ParseTranslations reads a campaign event's message, its base language first.
func ParseTranslations(s string) ([]Translation, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("translations are not a JSON object: %q", s)
	}
	var out []Translation
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var text string
		if err := dec.Decode(&text); err != nil {
			return nil, err
		}
		out = append(out, Translation{Lang: tok.(string), Text: text})
	}
	return out, nil
}

// --- triggers --------------------------------------------------------------------------------------------------

func (imp *importer) trigger(spec *ImportTrigger) error {
	what := "A catch-all trigger"
	if spec.Type == TriggerKeyword {
		what = fmt.Sprintf("The trigger on keyword %q", strings.Join(spec.Keywords, ", "))
	}
	flow, err := imp.flowFor(spec.Flow, what)
	if err != nil {
		return err
	}
	if flow.FlowType != FlowMessage && flow.FlowType != FlowVoice {
		return importErrorf("%s starts the flow %q, a %s flow: triggers can only start messaging and voice flows.", what, flow.Name, flow.FlowType)
	}
	groupIDs, err := imp.groupIDs(spec.Groups)
	if err != nil {
		return err
	}
	excludeIDs, err := imp.groupIDs(spec.ExcludeGroups)
	if err != nil {
		return err
	}

	// the triggers this one conflicts with: same type, overlapping keywords, overlapping groups (or none)
	var existing []Trigger
	if err := imp.tx.Where("workspace_id = ? AND is_active AND trigger_type = ?", imp.ws, spec.Type).Order("created_on DESC, id DESC").Find(&existing).Error; err != nil {
		return err
	}
	var conflicts []Trigger
	for _, t := range existing {
		if spec.Type == TriggerKeyword && !overlaps(t.Keywords, spec.Keywords) {
			continue
		}
		if len(groupIDs) == 0 && len(t.GroupIDs) > 0 || len(groupIDs) > 0 && !overlaps(t.GroupIDs, groupIDs) {
			continue
		}
		conflicts = append(conflicts, t)
	}
	for _, t := range conflicts {
		if t.FlowID == flow.ID && sameSet(t.ExcludeIDs, excludeIDs) {
			if t.IsArchived {
				return imp.tx.Model(&Trigger{}).Where("id = ?", t.ID).Updates(map[string]any{"is_archived": false, "modified_on": imp.now}).Error
			}
			return nil // already there
		}
	}

	t := &Trigger{UUID: imp.s.NewUUID(), WorkspaceID: imp.ws, TriggerType: spec.Type, Keywords: StringList(spec.Keywords),
		FlowID: flow.ID, GroupIDs: groupIDs, ExcludeIDs: excludeIDs, IsActive: true, CreatedOn: imp.now, ModifiedOn: imp.now}
	if t.Keywords == nil {
		t.Keywords = StringList{}
	}
	if spec.Type == TriggerKeyword {
		match := spec.MatchType
		t.MatchType = &match
	}
	if err := imp.tx.Create(t).Error; err != nil {
		return err
	}
	for _, c := range conflicts {
		if !c.IsArchived {
			if err := imp.tx.Model(&Trigger{}).Where("id = ?", c.ID).Updates(map[string]any{"is_archived": true, "modified_on": imp.now}).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

func (imp *importer) groupIDs(refs []Ref) (Int64List, error) {
	ids := Int64List{}
	for _, ref := range refs {
		g, err := imp.group(ref, nil)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ids, g.ID) {
			ids = append(ids, g.ID)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func overlaps[T comparable](a, b []T) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func sameSet[T comparable](a, b []T) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

// --- names and definitions -------------------------------------------------------------------------------------

// CleanName makes a name from an export fit for a workspace, as RapidPro's clean_name does: trimmed, at most
// maxLen characters, double quotes made single and backslashes slashes, null characters dropped.
func CleanName(name string, maxLen int) string {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxLen {
		name = string([]rune(name)[:maxLen])
	}
	name = strings.TrimSpace(name)
	return strings.NewReplacer(`"`, `'`, `\`, `/`, "\x00", "").Replace(name)
}

// uniqueName is name, or name with " 2", " 3"… (shortened to fit maxLen) when another object has it.
func uniqueName(name string, maxLen int, taken func(string) bool) string {
	candidate := name
	for n := 2; taken(candidate); n++ {
		suffix := fmt.Sprintf(" %d", n)
		base := []rune(name)
		if keep := maxLen - len(suffix); len(base) > keep {
			base = base[:max(keep, 0)]
		}
		candidate = string(base) + suffix
	}
	return candidate
}

// rewriteDefinition replaces every string in a flow definition that is a key of mapping (the UUIDs of groups,
// labels and topics that got other UUIDs in the workspace) and sets top-level properties.
func rewriteDefinition(definition string, mapping map[string]string, set map[string]any) (string, error) {
	dec := json.NewDecoder(strings.NewReader(definition))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return "", err
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case string:
			if to, ok := mapping[t]; ok {
				return to
			}
		case map[string]any:
			for k, x := range t {
				t[k] = walk(x)
			}
		case []any:
			for i, x := range t {
				t[i] = walk(x)
			}
		}
		return v
	}
	if len(mapping) > 0 {
		walk(root)
	}
	for k, v := range set {
		root[k] = v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
