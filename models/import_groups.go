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

// label and topic get the label or topic ref names (by UUID, then name) or make it.
func (imp *importer) label(ref Ref) error {
	return importNamed(imp, ref, &imp.labels, namedTable{"Label", "labels", MaxLabelNameLen},
		func(l *Label) (string, string) { return l.UUID, l.Name },
		func(uuid, name string) *Label {
			return &Label{UUID: uuid, WorkspaceID: imp.ws, Name: name, IsActive: true, CreatedOn: imp.now, ModifiedOn: imp.now}
		})
}

func (imp *importer) topic(ref Ref) error {
	return importNamed(imp, ref, &imp.topics, namedTable{"Topic", "topics", MaxTopicNameLen},
		func(t *Topic) (string, string) { return t.UUID, t.Name },
		func(uuid, name string) *Topic {
			return &Topic{UUID: uuid, WorkspaceID: imp.ws, Name: name, IsActive: true, CreatedOn: imp.now, ModifiedOn: imp.now}
		})
}

// namedTable is a kind of object imports match by UUID, then name: what it is called, its table and how long
// its names may be.
type namedTable struct {
	what, table string
	maxLen      int
}

// importNamed finds the object ref names among have (by UUID, then by name ignoring case), or makes it.
func importNamed[T any](imp *importer, ref Ref, have *[]*T, k namedTable, id func(*T) (uuid, name string), build func(uuid, name string) *T) error {
	for _, o := range *have {
		if uuid, _ := id(o); uuid == ref.UUID {
			return nil
		}
	}
	name := CleanName(ref.Name, k.maxLen)
	for _, o := range *have {
		if uuid, oname := id(o); name != "" && strings.EqualFold(oname, name) {
			imp.mapUUID(ref.UUID, uuid)
			return nil
		}
	}
	if name == "" {
		return importErrorf("%s %s has no name.", k.what, ref.UUID)
	}
	uuid, err := imp.freeUUID(k.table, ref.UUID)
	if err != nil {
		return err
	}
	o := build(uuid, name)
	if err := translateDuplicate(imp.tx.db.Create(o).Error); err != nil {
		return err
	}
	*have = append(*have, o)
	imp.created[k.table]++
	imp.mapUUID(ref.UUID, uuid)
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
