package flows

import (
	"context"

	"github.com/flowsd/flowsd/models"
)

// EvaluateGroup works out a smart group's members from its query, in SQL, and marks it ready; a query that
// no longer parses marks it invalid.
func EvaluateGroup(ctx context.Context, store *models.Store, ws *models.Workspace, g *models.Group) error {
	if g.Query == nil {
		return nil
	}
	q, err := ParseQuery(ctx, store, ws, *g.Query)
	var cond models.Condition
	if err == nil {
		cond, err = q.Condition()
	}
	if _, invalid := err.(*QueryError); invalid {
		return store.SetGroupStatus(ctx, g, models.GroupInvalid)
	}
	if err != nil {
		return err
	}
	return store.EvaluateGroup(ctx, ws, g, cond)
}

// ResumeGroupEvaluations evaluates every group left evaluating, by a process that stopped mid-way say.
// Evaluating twice is harmless: each evaluation sets the members from scratch.
func ResumeGroupEvaluations(ctx context.Context, store *models.Store) error {
	pending, err := store.GroupsEvaluating(ctx)
	if err != nil {
		return err
	}
	for i := range pending {
		ws, err := store.GetWorkspaceByID(ctx, pending[i].WorkspaceID)
		if err != nil {
			return err
		}
		if err := EvaluateGroup(ctx, store, ws, &pending[i]); err != nil {
			return err
		}
	}
	return nil
}

// GroupsUsingFields gives, for each field key, the smart groups whose queries use it.
func GroupsUsingFields(ctx context.Context, store *models.Store, ws *models.Workspace) (map[string][]models.Group, error) {
	groups, err := store.SmartGroups(ctx, ws.ID)
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	scope, err := loadScope(ctx, store, ws)
	if err != nil {
		return nil, err
	}
	using := map[string][]models.Group{}
	for _, g := range groups {
		q, err := scope.parse(*g.Query)
		if err != nil {
			continue
		}
		for _, key := range q.FieldKeys() {
			using[key] = append(using[key], g)
		}
	}
	return using, nil
}
