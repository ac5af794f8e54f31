package flows

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/flows/definition/migrations"
)

// What an export takes along with the flows and campaigns asked for, as RapidPro's definitions endpoint does.
const (
	DependenciesAll   = "all"   // flows, campaigns and triggers connected to them, and the fields and groups used
	DependenciesFlows = "flows" // connected flows and triggers only
	DependenciesNone  = "none"  // exactly what was asked for
)

// Export gathers the flows and campaigns asked for (by UUID; unknown ones are ignored) with what depends on them.
//
// As in RapidPro, dependencies run both ways and are followed to the end: a flow takes the flows it enters or
// starts and the flows that enter or start it, the triggers starting it and (with DependenciesAll) the
// campaigns on the groups it uses and those starting it; a campaign takes its flows. Archived flows, campaigns
// and triggers are only exported when asked for by UUID (or, for a flow, when a campaign or flow uses it). With
// DependenciesAll the fields and groups the exported flows, campaigns and triggers use come too.
func Export(ctx context.Context, store *models.Store, ws *models.Workspace, flowUUIDs, campaignUUIDs []string, include string) (*models.Export, error) {
	out := &models.Export{}
	if len(flowUUIDs) == 0 && len(campaignUUIDs) == 0 {
		return out, nil
	}
	x, err := store.LoadExportables(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	a, err := LoadAssets(ctx, store, ws)
	if err != nil {
		return nil, err
	}

	flowsByID, flowsByUUID := map[int64]*models.Flow{}, map[string]*models.Flow{}
	for i := range x.Flows {
		flowsByID[x.Flows[i].ID], flowsByUUID[x.Flows[i].UUID] = &x.Flows[i], &x.Flows[i]
	}
	fieldsByKey, groupsByUUID := map[string]*models.Field{}, map[string]*models.Group{}
	for _, f := range x.Fields {
		if f.IsActive {
			fieldsByKey[f.Key] = f
		}
	}
	for _, g := range x.Groups {
		if g.IsActive {
			groupsByUUID[g.UUID] = g
		}
	}
	campaignsByID := map[int64]*models.Campaign{}
	for i := range x.Campaigns {
		campaignsByID[x.Campaigns[i].ID] = &x.Campaigns[i]
	}
	eventsByCampaign := map[int64][]*models.CampaignEvent{}
	for i := range x.Events {
		eventsByCampaign[x.Events[i].CampaignID] = append(eventsByCampaign[x.Events[i].CampaignID], &x.Events[i])
	}

	// what each flow uses, as the engine inspects it: flows, fields and groups of the workspace
	type uses struct {
		flows  []int64
		fields []*models.Field
		groups []*models.Group
	}
	flowUses := map[int64]*uses{}
	for i := range x.Flows {
		u := &uses{}
		flowUses[x.Flows[i].ID] = u
		flow, err := a.Session.Flows().Get(assets.FlowUUID(x.Flows[i].UUID))
		if err != nil {
			continue // a definition the engine can't read uses nothing it knows of
		}
		for _, dep := range flow.Inspect(a.Session).Dependencies {
			switch ref := dep.Reference().(type) {
			case *assets.FlowReference:
				if f := flowsByUUID[string(ref.UUID)]; f != nil && !slices.Contains(u.flows, f.ID) {
					u.flows = append(u.flows, f.ID)
				}
			case *assets.FieldReference:
				if f := fieldsByKey[ref.Key]; f != nil && !slices.Contains(u.fields, f) {
					u.fields = append(u.fields, f)
				}
			case *assets.GroupReference:
				if g := groupsByUUID[string(ref.UUID)]; g != nil && !slices.Contains(u.groups, g) {
					u.groups = append(u.groups, g)
				}
			}
		}
	}

	// the components asked for
	type node struct {
		kind byte // 'f'low, 'c'ampaign, 't'rigger
		id   int64
	}
	var primary []node
	for _, uuid := range flowUUIDs {
		if f := flowsByUUID[uuid]; f != nil {
			primary = append(primary, node{'f', f.ID})
		}
	}
	for _, uuid := range campaignUUIDs {
		for _, c := range x.Campaigns {
			if c.UUID == uuid {
				primary = append(primary, node{'c', c.ID})
			}
		}
	}

	components := map[node]bool{}
	if include == DependenciesNone {
		for _, n := range primary {
			components[n] = true
		}
	} else {
		withCampaigns := include == DependenciesAll
		graph := map[node]map[node]bool{}
		link := func(from, to node) {
			if graph[from] == nil {
				graph[from] = map[node]bool{}
			}
			graph[from][to] = true
		}
		campaignsByGroup := map[int64][]int64{}
		if withCampaigns {
			for _, c := range x.Campaigns {
				campaignsByGroup[c.GroupID] = append(campaignsByGroup[c.GroupID], c.ID)
			}
		}
		for _, f := range x.Flows {
			if f.IsArchived {
				continue
			}
			n := node{'f', f.ID}
			link(n, n)
			for _, id := range flowUses[f.ID].flows {
				link(n, node{'f', id})
			}
			for _, g := range flowUses[f.ID].groups {
				for _, id := range campaignsByGroup[g.ID] {
					link(n, node{'c', id})
				}
			}
		}
		if withCampaigns {
			for _, c := range x.Campaigns {
				if c.IsArchived {
					continue
				}
				n := node{'c', c.ID}
				link(n, n)
				for _, e := range eventsByCampaign[c.ID] {
					if e.FlowID != nil && flowsByID[*e.FlowID] != nil {
						link(n, node{'f', *e.FlowID})
					}
				}
			}
		}
		for _, t := range x.Triggers {
			if !t.IsArchived && flowsByID[t.FlowID] != nil {
				link(node{'t', t.ID}, node{'f', t.FlowID})
			}
		}
		// dependencies run both ways
		for from, tos := range graph {
			for to := range tos {
				link(to, from)
			}
		}
		var add func(n node)
		add = func(n node) {
			if components[n] {
				return
			}
			components[n] = true
			for d := range graph[n] {
				add(d)
			}
		}
		for _, n := range primary {
			add(n)
		}
	}

	withFieldsAndGroups := include == DependenciesAll
	fields, groups := map[int64]*models.Field{}, map[int64]*models.Group{}
	useGroup := func(id int64) {
		if g := x.Groups[id]; g != nil && g.IsActive && withFieldsAndGroups {
			groups[id] = g
		}
	}

	for _, f := range x.Flows {
		if !components[node{'f', f.ID}] {
			continue
		}
		def, err := exportDefinition(&f)
		if err != nil {
			return nil, err
		}
		f.Definition = def
		out.Flows = append(out.Flows, f)
		if withFieldsAndGroups {
			for _, field := range flowUses[f.ID].fields {
				fields[field.ID] = field
			}
			for _, g := range flowUses[f.ID].groups {
				useGroup(g.ID)
			}
		}
	}
	for _, c := range x.Campaigns {
		if !components[node{'c', c.ID}] {
			continue
		}
		ec := models.ExportedCampaign{Campaign: c}
		if g := x.Groups[c.GroupID]; g != nil {
			ec.Group = *g
		}
		useGroup(c.GroupID)
		for _, e := range eventsByCampaign[c.ID] {
			ee := models.ExportedEvent{CampaignEvent: *e}
			if e.RelativeToSystem != nil {
				ee.RelativeTo = models.Field{Key: *e.RelativeToSystem, Name: models.SystemDateNames[*e.RelativeToSystem]}
			} else if field := x.Fields[derefID(e.RelativeToID)]; field != nil {
				ee.RelativeTo = *field
				if withFieldsAndGroups && field.IsActive {
					fields[field.ID] = field
				}
			}
			if e.FlowID != nil {
				if f := flowsByID[*e.FlowID]; f != nil {
					ee.Flow = f
				} else {
					continue // its flow is gone
				}
			}
			ec.Events = append(ec.Events, ee)
		}
		// as RapidPro orders them: by flow UUID, message events last
		slices.SortStableFunc(ec.Events, func(a, b models.ExportedEvent) int {
			switch {
			case a.Flow == nil && b.Flow == nil:
				return 0
			case a.Flow == nil:
				return 1
			case b.Flow == nil:
				return -1
			}
			return strings.Compare(a.Flow.UUID, b.Flow.UUID)
		})
		out.Campaigns = append(out.Campaigns, ec)
	}
	for _, t := range x.Triggers {
		if !components[node{'t', t.ID}] {
			continue
		}
		f := flowsByID[t.FlowID]
		if f == nil {
			continue
		}
		et := models.ExportedTrigger{Trigger: t, Flow: *f, Groups: activeGroups(x, t.GroupIDs), ExcludeGroups: activeGroups(x, t.ExcludeIDs)}
		for _, g := range et.Groups {
			useGroup(g.ID)
		}
		out.Triggers = append(out.Triggers, et)
	}

	slices.SortFunc(out.Flows, func(a, b models.Flow) int { return compareNames(a.Name, a.UUID, b.Name, b.UUID) })
	slices.SortFunc(out.Campaigns, func(a, b models.ExportedCampaign) int { return compareNames(a.Name, a.UUID, b.Name, b.UUID) })
	for _, f := range fields {
		out.Fields = append(out.Fields, *f)
	}
	slices.SortFunc(out.Fields, func(a, b models.Field) int { return strings.Compare(a.Key, b.Key) })
	for _, g := range groups {
		out.Groups = append(out.Groups, *g)
	}
	slices.SortFunc(out.Groups, func(a, b models.Group) int { return compareNames(a.Name, a.UUID, b.Name, b.UUID) })
	return out, nil
}

func compareNames(aName, aUUID, bName, bUUID string) int {
	if c := strings.Compare(strings.ToLower(aName), strings.ToLower(bName)); c != 0 {
		return c
	}
	return strings.Compare(aUUID, bUUID)
}

func activeGroups(x *models.Exportables, ids []int64) []models.Group {
	out := []models.Group{}
	for _, id := range ids {
		if g := x.Groups[id]; g != nil && g.IsActive {
			out = append(out, *g)
		}
	}
	slices.SortFunc(out, func(a, b models.Group) int { return compareNames(a.Name, a.UUID, b.Name, b.UUID) })
	return out
}

// exportDefinition is a stored flow's definition as exports carry it: at the engine's spec version, with the
// flow's UUID, name, revision and expiry as the database has them.
func exportDefinition(f *models.Flow) (string, error) {
	def := []byte(f.Definition)
	if f.SpecVersion != SpecVersion() {
		migrated, err := migrations.MigrateToLatest(def, migrations.DefaultConfig)
		if err != nil {
			return "", err
		}
		def = migrated
	}
	dec := json.NewDecoder(bytes.NewReader(def))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return "", err
	}
	m["uuid"], m["name"], m["revision"], m["expire_after_minutes"] = f.UUID, f.Name, f.Revision, f.ExpiresMinutes
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func derefID(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}
