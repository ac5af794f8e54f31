package flows

import (
	"context"
	"sync"

	"github.com/flowsd/flowsd/models"
)

// Rules gives the store the engine's rules for contacts. Smart groups' conditions are parsed once per
// workspace config version: a change to its fields or groups moves the version, and they are parsed again.
type Rules struct {
	mu    sync.Mutex
	cache map[int64]*groupConditions
}

type groupConditions struct {
	version int64
	conds   map[int64]models.Condition
}

// NewRules makes the rules the runtime gives its store.
func NewRules() *Rules { return &Rules{cache: map[int64]*groupConditions{}} }

var _ models.ContactRules = (*Rules)(nil)

// NameTokens gives the words "name ~" searches match a name by.
func (r *Rules) NameTokens(name string) []string { return NameTokens(name) }

// GroupConditions translates smart groups' queries into SQL conditions, by group id. A query that no longer
// parses (its field is gone, say) is left out: the group keeps its members until it is fixed.
func (r *Rules) GroupConditions(ctx context.Context, s *models.Store, ws *models.Workspace, groups []models.Group) (map[int64]models.Condition, error) {
	version, err := s.ConfigVersion(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	cached := r.cache[ws.ID]
	r.mu.Unlock()
	if cached != nil && cached.version == version && covers(cached.conds, groups) {
		return cached.conds, nil
	}

	scope, err := loadScope(ctx, s, ws)
	if err != nil {
		return nil, err
	}
	conds := make(map[int64]models.Condition, len(groups))
	for _, g := range groups {
		if g.Query == nil {
			continue
		}
		q, err := scope.parse(*g.Query)
		if err != nil {
			continue
		}
		cond, err := q.Condition()
		if err != nil {
			continue
		}
		conds[g.ID] = cond
	}
	r.mu.Lock()
	r.cache[ws.ID] = &groupConditions{version: version, conds: conds}
	r.mu.Unlock()
	return conds, nil
}

// covers reports whether a cached set has an entry (or a known failure) for every group asked about.
func covers(conds map[int64]models.Condition, groups []models.Group) bool {
	for _, g := range groups {
		if _, ok := conds[g.ID]; !ok {
			return false
		}
	}
	return true
}
