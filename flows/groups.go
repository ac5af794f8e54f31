package flows

import (
	"context"
	"errors"

	"github.com/flowsd/flowsd/models"
)

// EvaluateGroups works out smart groups' members, a kind of background work (models.WorkGroups): a group is
// evaluating from when it is made, its query changes or a field it uses changes type, until a worker has
// claimed it and set its members from scratch, in SQL. Evaluating twice is harmless, so a group left
// evaluating by a stopped process is simply claimed again.
func EvaluateGroups(store *models.Store) func(ctx context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		n, err := store.ClaimEvaluatingGroups(ctx, 1, func(b *models.Batch) error {
			g, err := b.Read.Group(b.Keys[0])
			if err != nil {
				return err
			}
			ws, err := store.GetWorkspaceByID(ctx, g.WorkspaceID)
			if err != nil {
				return err
			}
			cond, err := groupCondition(ctx, store, ws, g)
			var invalid *QueryError
			if errors.As(err, &invalid) {
				// a query that no longer parses (its field was deleted, say) leaves the group invalid
				return b.Write(ctx, func(tx *models.Tx) error { return tx.SetGroupStatus(g, models.GroupInvalid) })
			}
			if err != nil {
				return err
			}
			return b.Write(ctx, func(tx *models.Tx) error { return tx.EvaluateGroup(ws, g, cond) })
		})
		if errors.Is(err, models.ErrBusy) {
			return false, nil // the workspace's configuration is changing: its commit signals the group again
		}
		return n > 0, err
	}
}

// groupCondition is a smart group's query as a condition; a *QueryError when it doesn't parse or translate.
func groupCondition(ctx context.Context, store *models.Store, ws *models.Workspace, g *models.Group) (models.Condition, error) {
	if g.Query == nil {
		return models.Condition{}, &QueryError{msg: "a manual group has no query"}
	}
	q, err := ParseQuery(ctx, store, ws, *g.Query)
	if err != nil {
		return models.Condition{}, err
	}
	cond, err := q.Condition()
	if err != nil {
		return cond, &QueryError{msg: err.Error()}
	}
	return cond, nil
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
