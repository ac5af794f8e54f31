package models

import (
	"strings"
)

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
	f := imp.flows[imp.flowUUID(uuid)]
	return f != nil && f.IsActive
}

// flow writes one of the export's flows: a new row, or the row with its UUID updated (and restored).
func (imp *importer) flow(spec *ImportFlow) error {
	f := imp.flows[imp.flowUUID(spec.UUID)]
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
		f = &Flow{UUID: imp.flowUUID(spec.UUID), WorkspaceID: imp.ws, Name: name, FlowType: spec.FlowType, SpecVersion: spec.SpecVersion,
			Revision: revision, Definition: definition, ExpiresMinutes: spec.ExpiresMinutes, IsActive: true,
			CreatedOn: imp.now, ModifiedOn: imp.now}
		if err := imp.tx.db.Create(f).Error; err != nil {
			return err
		}
		imp.flows[f.UUID] = f
	} else {
		f.Name, f.FlowType, f.SpecVersion, f.Revision, f.Definition, f.ExpiresMinutes = name, spec.FlowType, spec.SpecVersion, revision, definition, spec.ExpiresMinutes
		f.IsArchived, f.IsActive, f.ModifiedOn = false, true, imp.now
		err := imp.tx.db.Model(&Flow{}).Where("id = ?", f.ID).Updates(map[string]any{
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
	if err := imp.tx.db.Where("workspace_id = ? AND slug = ?", imp.ws, slug).Find(&hooks).Error; err != nil {
		return err
	}
	if len(hooks) > 0 {
		if hooks[0].IsActive {
			return nil
		}
		return imp.tx.db.Model(&Resthook{}).Where("id = ?", hooks[0].ID).Updates(map[string]any{"is_active": true, "modified_on": imp.now}).Error
	}
	return imp.tx.db.Create(&Resthook{WorkspaceID: imp.ws, Slug: slug, IsActive: true, CreatedOn: imp.now, ModifiedOn: imp.now}).Error
}

// flowFor finds the flow a campaign event or trigger names: one of the export's or an active one of the
// workspace's.
func (imp *importer) flowFor(ref Ref, what string) (*Flow, error) {
	f := imp.flows[imp.flowUUID(ref.UUID)]
	if f == nil || !f.IsActive {
		return nil, importErrorf("%s uses the flow %q (%s), which is neither in the export nor in the workspace.", what, ref.Name, ref.UUID)
	}
	return f, nil
}
