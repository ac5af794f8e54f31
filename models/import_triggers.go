package models

import (
	"fmt"
	"slices"
	"strings"
)

func (imp *importer) trigger(spec *ImportTrigger) error {
	what := "A catch-all trigger"
	if spec.Type == TriggerClosedTicket {
		what = "A closed-ticket trigger"
	} else if spec.Type == TriggerKeyword {
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
	if err := imp.tx.db.Where("workspace_id = ? AND is_active AND trigger_type = ?", imp.ws, spec.Type).Order("created_on DESC, id DESC").Find(&existing).Error; err != nil {
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
				return imp.tx.db.Model(&Trigger{}).Where("id = ?", t.ID).Updates(map[string]any{"is_archived": false, "modified_on": imp.now}).Error
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
	if err := imp.tx.db.Create(t).Error; err != nil {
		return err
	}
	for _, c := range conflicts {
		if !c.IsArchived {
			if err := imp.tx.db.Model(&Trigger{}).Where("id = ?", c.ID).Updates(map[string]any{"is_archived": true, "modified_on": imp.now}).Error; err != nil {
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
