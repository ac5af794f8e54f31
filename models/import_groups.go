package models

import (
	"slices"
	"strings"
)

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
		if err := translateDuplicate(imp.tx.db.Create(g).Error); err != nil {
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
	if err := translateDuplicate(imp.tx.db.Create(l).Error); err != nil {
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
	if err := translateDuplicate(imp.tx.db.Create(t).Error); err != nil {
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
	if err := imp.tx.db.Table(table).Where("uuid = ?", uuid).Count(&n).Error; err != nil {
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
