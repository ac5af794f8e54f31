package flows

import (
	"context"
	"slices"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/contactql"
	"github.com/nyaruka/goflow/contactql/parse"
)

// Import writes a parsed export into a workspace, in one transaction. Smart groups it makes, and those using a
// field whose type it changes, are evaluating when it commits, and the group workers are woken to evaluate them.
func Import(ctx context.Context, store *models.Store, ws *models.Workspace, spec *models.ImportSpec) (*models.ImportResult, error) {
	if err := planGroupQueries(ctx, store, ws, spec); err != nil {
		return nil, err
	}
	using, err := GroupsUsingFields(ctx, store, ws)
	if err != nil {
		return nil, err
	}
	spec.GroupsUsingField = map[string][]int64{}
	for key, groups := range using {
		for _, g := range groups {
			spec.GroupsUsingField[key] = append(spec.GroupsUsingField[key], g.ID)
		}
	}
	return store.Import(ctx, ws.ID, spec)
}

// planGroupQueries checks the queries of an export's smart groups and puts them in their canonical form, as
// they will read once the import has made the fields they use (text fields when neither the workspace nor the
// export types them). A query that only fails on types is kept as it is: evaluating it marks the group invalid.
func planGroupQueries(ctx context.Context, store *models.Store, ws *models.Workspace, spec *models.ImportSpec) error {
	if !slices.ContainsFunc(spec.Groups, func(g models.ImportGroup) bool { return g.Query != nil }) {
		return nil
	}
	env := Environment(ws)
	scope, err := loadScope(ctx, store, ws)
	if err != nil {
		return err
	}
	plan := func(key, name, valueType string) {
		if f := scope.fields[key]; f != nil {
			if valueType != "" {
				typed := *f
				typed.ValueType = valueType
				scope.fields[key] = &typed
			}
			return
		}
		if valueType == "" {
			valueType = models.FieldText
		}
		scope.fields[key] = &models.Field{UUID: key, Key: key, Name: name, ValueType: valueType}
	}
	listed := map[string]bool{}
	for _, f := range spec.Fields {
		plan(f.Key, f.Name, f.Type)
		listed[f.Key] = true
	}
	for _, f := range spec.Flows {
		for _, ref := range f.Fields {
			plan(ref.Key, ref.Name, "")
		}
	}
	for _, c := range spec.Campaigns {
		for _, e := range c.Events {
			plan(e.RelativeTo.Key, e.RelativeTo.Name, models.FieldDatetime)
		}
	}

	for i := range spec.Groups {
		g := &spec.Groups[i]
		if g.Query == nil {
			continue
		}
		parsed, err := parse.Query(env, *g.Query, nil)
		if err != nil {
			return importError("Group %q has an invalid query %q: %v", g.Name, *g.Query, err)
		}
		inspection := contactql.Inspect(parsed)
		if !inspection.AllowAsGroup {
			return importError("Group %q has the query %q: a smart group can't be based on \"id\", \"status\", \"group\" or \"flow\".", g.Name, *g.Query)
		}
		// the fields the query uses are made by the import, as RapidPro makes them
		for _, ref := range inspection.Fields {
			if !listed[ref.Key] {
				listed[ref.Key] = true
				spec.Fields = append(spec.Fields, models.ImportField{Key: ref.Key})
				plan(ref.Key, "", "")
			}
		}
	}
	for i := range spec.Groups {
		g := &spec.Groups[i]
		if g.Query == nil {
			continue
		}
		if q, err := scope.parse(*g.Query); err == nil {
			canonical := q.String()
			g.Query = &canonical
		}
	}
	return nil
}
