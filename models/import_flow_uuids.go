package models

import (
	"github.com/google/uuid"
)

// Flow UUIDs are unique on the server, as RapidPro's are: a flow of an export whose UUID another workspace
// holds is given a UUID of this workspace's own, and every reference to it in the same import (flows that
// call it, campaign events, triggers) follows. The new UUID is derived from the workspace's and the export's,
// so that importing the same export again finds the flow it made the first time.

// flowUUIDSpace is the namespace of derived flow UUIDs (a UUIDv5 name is the workspace UUID and the export's).
var flowUUIDSpace = uuid.MustParse("3c1e8f54-8a0e-4d8c-9a55-1f3b6f0c2d71")

// flowImportLock is the PostgreSQL advisory lock imports hold while they decide their flows' UUIDs, so that
// two workspaces importing the same export at once can't both keep its UUIDs.
const flowImportLock = 74817 << 40

// derivedFlowUUID is the UUID a flow of an export gets in a workspace when another workspace holds its own.
func derivedFlowUUID(workspaceUUID, exportUUID string) string {
	return uuid.NewSHA1(flowUUIDSpace, []byte(workspaceUUID+"/"+exportUUID)).String()
}

// mapFlowUUIDs decides the UUID every flow the export holds or names has in this workspace: the export's when
// the workspace has that flow or nobody else does, the derived one when the workspace made it so before or
// another workspace holds the export's. imp.mapping gets the UUIDs that differ.
func (imp *importer) mapFlowUUIDs(spec *ImportSpec) error {
	if imp.s.Dialect == Postgres {
		if err := imp.tx.db.Exec("SELECT pg_advisory_xact_lock(?)", int64(flowImportLock)).Error; err != nil {
			return err
		}
	}
	var named []string
	name := func(u string) {
		if u != "" && imp.flows[u] == nil {
			if d := derivedFlowUUID(imp.wsUUID, u); imp.flows[d] != nil {
				imp.mapping[u] = d
			} else if imp.specFlows[u] {
				named = append(named, u)
			}
		}
	}
	for _, f := range spec.Flows {
		name(f.UUID)
		for _, ref := range f.Flows {
			name(ref.UUID)
		}
	}
	for _, c := range spec.Campaigns {
		for _, e := range c.Events {
			if e.Flow != nil {
				name(e.Flow.UUID)
			}
		}
	}
	for _, t := range spec.Triggers {
		name(t.Flow.UUID)
	}
	if len(named) == 0 {
		return nil
	}
	var held []string
	if err := imp.tx.db.Model(&Flow{}).Where("uuid IN ? AND workspace_id <> ?", named, imp.ws).Distinct().Pluck("uuid", &held).Error; err != nil {
		return err
	}
	for _, u := range held {
		imp.mapping[u] = derivedFlowUUID(imp.wsUUID, u)
	}
	return nil
}

// flowUUID is the UUID the flow an export names by u has in this workspace.
func (imp *importer) flowUUID(u string) string {
	if to, ok := imp.mapping[u]; ok {
		return to
	}
	return u
}
