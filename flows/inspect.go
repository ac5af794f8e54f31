package flows

import (
	"crypto/sha256"
	"sync"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/flows/definition"
	"github.com/nyaruka/goflow/flows/definition/migrations"
)

// FlowInfo is what the engine's inspection of a flow tells the API: the results it makes and the keys of its
// parent's results it reads (@parent.results.x).
type FlowInfo struct {
	Results    []FlowResult
	ParentRefs []string
}

// FlowResult is a result a flow may make: its key, name, categories and the nodes that set it.
type FlowResult struct {
	Key        string
	Name       string
	Categories []string
	NodeUUIDs  []string
}

// inspections caches FlowInfo by definition: a flow's results don't change until its definition does.
var inspections = struct {
	sync.Mutex
	byHash map[[32]byte]*FlowInfo
}{byHash: map[[32]byte]*FlowInfo{}}

const maxCachedInspections = 10000

// InspectFlow gives a stored flow's results and parent refs. A definition the engine can't read has none.
func InspectFlow(f *models.Flow) *FlowInfo {
	key := sha256.Sum256([]byte(f.Definition))
	inspections.Lock()
	info := inspections.byHash[key]
	inspections.Unlock()
	if info != nil {
		return info
	}

	info = &FlowInfo{Results: []FlowResult{}, ParentRefs: []string{}}
	if flow, err := definition.ReadFlow([]byte(f.Definition), migrations.DefaultConfig); err == nil {
		inspected := flow.Inspect(emptyAssets())
		for _, r := range inspected.Results {
			info.Results = append(info.Results, FlowResult{Key: r.Key, Name: r.Name, Categories: nonNil(r.Categories), NodeUUIDs: nonNil(r.NodeUUIDs)})
		}
		info.ParentRefs = nonNil(inspected.ParentRefs)
	}

	inspections.Lock()
	if len(inspections.byHash) >= maxCachedInspections {
		clear(inspections.byHash)
	}
	inspections.byHash[key] = info
	inspections.Unlock()
	return info
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
