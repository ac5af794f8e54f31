package flows

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/excellent/types"
	"github.com/nyaruka/goflow/flows"
)

// locationNode is one boundary in the engine's location hierarchy format.
type locationNode struct {
	Name     string          `json:"name"`
	Aliases  []string        `json:"aliases,omitempty"`
	Children []*locationNode `json:"children,omitempty"`
}

// locationHierarchy is a workspace's boundaries as the engine resolves locations with: its country, and every
// state, district and ward under it with their aliases. nil when the workspace has no boundaries.
func locationHierarchy(env envs.Environment, tree []models.Boundary) (assets.LocationHierarchy, error) {
	nodes := make(map[int64]*locationNode, len(tree))
	var root *locationNode
	for _, b := range tree { // parents first
		n := &locationNode{Name: b.Name, Aliases: b.AliasList()}
		nodes[b.ID] = n
		if b.ParentID == nil {
			root = n
		} else if p := nodes[*b.ParentID]; p != nil {
			p.Children = append(p.Children, n)
		}
	}
	if root == nil {
		return nil, nil
	}
	data, err := json.Marshal(root)
	if err != nil {
		return nil, err
	}
	return envs.ReadLocationHierarchy(env, data)
}

// locationOrder is the order a write's field values are read in: states before districts before wards, so that
// a district given with its state is looked up in that state.
var locationOrder = map[string]int{models.FieldState: 0, models.FieldDistrict: 1, models.FieldWard: 2}

// ParseFieldValues reads the values a write gives a contact's fields (text by field id; nil clears) as the
// engine does, current being the contact's values before it: the text, the number and datetime it reads as,
// and for location fields the boundary it names, by name, alias or path ("Rwanda > Kigali City"), looked up
// as mailroom does: a state among the states, a district among the districts of the state the contact's first
// state field holds, a ward among the wards of its first district field's district.
func (a *Assets) ParseFieldValues(current map[int64]*models.FieldValue, given map[int64]*string) map[int64]*models.FieldValue {
	env := flows.NewAssetsEnvironment(a.Env, a.Session)
	engineFields := a.Session.Fields()
	byID := a.FieldsByID()
	values := map[string]*core.Value{}
	for id, v := range current {
		if f := byID[id]; f != nil && v != nil {
			values[f.Key] = engineValue(v)
		}
	}
	contactValues := core.NewFieldValues(engineFields, values, assets.IgnoreMissing)

	ids := make([]int64, 0, len(given))
	for id := range given {
		if byID[id] != nil {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(x, y int64) int {
		rank := func(id int64) int {
			if r, ok := locationOrder[byID[id].ValueType]; ok {
				return r
			}
			return len(locationOrder)
		}
		return cmp.Or(cmp.Compare(rank(x), rank(y)), cmp.Compare(x, y))
	})

	out := make(map[int64]*models.FieldValue, len(given))
	for _, id := range ids {
		field := engineFields.Get(byID[id].Key)
		text := given[id]
		if text == nil || *text == "" || field == nil {
			out[id] = nil
			if field != nil {
				contactValues.Set(field, nil)
			}
			continue
		}
		v := contactValues.Parse(env, engineFields, field, *text)
		contactValues.Set(field, v)
		out[id] = storedValue(v)
	}
	return out
}

// engineValue is a stored field value as the engine holds it.
func engineValue(v *models.FieldValue) *core.Value {
	value := &core.Value{Text: types.NewXText(v.Text), State: envs.LocationPath(v.State), District: envs.LocationPath(v.District),
		Ward: envs.LocationPath(v.Ward)}
	if v.Number != nil {
		// NewXNumber answers an error value for numbers the engine can't hold, which then has none
		value.Number, _ = types.NewXNumber(*v.Number).(*types.XNumber)
	}
	if v.Datetime != nil {
		value.Datetime = types.NewXDateTime(*v.Datetime)
	}
	return value
}

// storedValue is the engine's value of a field as we store it; nil clears.
func storedValue(v *core.Value) *models.FieldValue {
	if v == nil || v.Text == nil || v.Text.Native() == "" {
		return nil
	}
	fv := &models.FieldValue{Text: v.Text.Native(), State: string(v.State), District: string(v.District), Ward: string(v.Ward)}
	if v.Number != nil {
		n := v.Number.Native()
		fv.Number = &n
	}
	if v.Datetime != nil {
		t := v.Datetime.Native().UTC().Truncate(time.Microsecond)
		fv.Datetime = &t
	}
	return fv
}
