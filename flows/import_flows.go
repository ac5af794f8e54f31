package flows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/assets/static"
	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/actions"
	"github.com/nyaruka/goflow/flows/definition"
	"github.com/nyaruka/goflow/flows/definition/migrations"
	"github.com/nyaruka/goflow/flows/engine"
)

// flowHeader is what identifies a flow in messages: new definitions have uuid and name at the top, legacy ones
// under metadata.
type flowHeader struct {
	UUID        string          `json:"uuid"`
	Name        string          `json:"name"`
	SpecVersion string          `json:"spec_version"`
	Version     json.RawMessage `json:"version"`
	Metadata    *struct {
		UUID string `json:"uuid"`
		Name string `json:"name"`
	} `json:"metadata"`
	ActionSets json.RawMessage `json:"action_sets"`
	RuleSets   json.RawMessage `json:"rule_sets"`
}

func (h *flowHeader) describe(i int) string {
	uuid, name := h.UUID, h.Name
	if h.Metadata != nil && uuid == "" {
		uuid, name = h.Metadata.UUID, h.Metadata.Name
	}
	switch {
	case name != "" && uuid != "":
		return fmt.Sprintf("Flow %q (%s)", name, uuid)
	case name != "":
		return fmt.Sprintf("Flow %q", name)
	case uuid != "":
		return fmt.Sprintf("Flow %s", uuid)
	}
	return fmt.Sprintf("Flow %d of the export", i+1)
}

var legacyMinVersion = semver.MustParse("11")

func parseFlow(raw json.RawMessage, i int) (*models.ImportFlow, error) {
	h := &flowHeader{}
	if err := json.Unmarshal(raw, h); err != nil {
		return nil, importError("Flow %d of the export is not a flow definition (a JSON object).", i+1)
	}
	what := h.describe(i)
	legacy := h.SpecVersion == "" && (h.ActionSets != nil || h.RuleSets != nil)
	if legacy && h.Version != nil {
		if v, err := readVersion(h.Version); err == nil && v.LessThan(legacyMinVersion) {
			return nil, importError("%s is a legacy definition of version %s: the engine migrates legacy flows of version 11 or later.", what, v.Original())
		}
	}
	if h.SpecVersion != "" {
		v, err := semver.NewVersion(h.SpecVersion)
		if err != nil {
			return nil, importError("%s has an invalid spec version %q.", what, h.SpecVersion)
		}
		if !definition.IsVersionSupported(v) && v.GreaterThan(definition.CurrentSpecVersion) {
			return nil, importError("%s has spec version %s, newer than this server's engine supports (%s).", what, v.Original(), definition.CurrentSpecVersion)
		}
	}

	migrated, err := migrations.MigrateToLatest(raw, migrations.DefaultConfig)
	if err != nil {
		return nil, importError("%s can't be migrated to the engine's spec version: %v", what, err)
	}
	flow, err := definition.ReadFlow(migrated, migrations.DefaultConfig)
	if err != nil {
		return nil, importError("%s is not a valid flow: %v", what, err)
	}
	what = fmt.Sprintf("Flow %q (%s)", flow.Name(), flow.UUID())

	f := &models.ImportFlow{
		UUID:           string(flow.UUID()),
		Name:           flow.Name(),
		FlowType:       flowTypes[flow.Type()],
		SpecVersion:    SpecVersion(),
		Definition:     string(migrated),
		ExpiresMinutes: int(flow.ExpireAfter() / time.Minute),
	}
	if f.FlowType == "" {
		return nil, importError("%s has the type %q, which flowsd can't run.", what, flow.Type())
	}

	seen := map[string]bool{}
	for _, dep := range flow.Inspect(emptyAssets()).Dependencies {
		ref := dep.Reference()
		key := ref.Type() + ":" + ref.Identity()
		if seen[key] {
			continue
		}
		seen[key] = true
		switch r := ref.(type) {
		case *assets.FlowReference:
			f.Flows = append(f.Flows, models.Ref{UUID: string(r.UUID), Name: r.Name})
		case *assets.FieldReference:
			f.Fields = append(f.Fields, models.FieldRef{Key: r.Key, Name: r.Name})
		case *assets.GroupReference:
			f.Groups = append(f.Groups, models.Ref{UUID: string(r.UUID), Name: r.Name})
		case *assets.LabelReference:
			f.Labels = append(f.Labels, models.Ref{UUID: string(r.UUID), Name: r.Name})
		case *assets.TopicReference:
			f.Topics = append(f.Topics, models.Ref{UUID: string(r.UUID), Name: r.Name})
		}
	}
	for _, node := range flow.Nodes() {
		for _, action := range node.Actions() {
			if hook, ok := action.(*actions.CallResthook); ok {
				slug := strings.ToLower(strings.TrimSpace(hook.Resthook))
				if slug == "" || len(slug) > 64 {
					return nil, importError("%s calls the resthook %q: a resthook slug has 1 to 64 characters.", what, hook.Resthook)
				}
				if !slices.Contains(f.Resthooks, slug) {
					f.Resthooks = append(f.Resthooks, slug)
				}
			}
		}
	}
	return f, nil
}

var (
	emptyAssetsOnce sync.Once
	emptySA         flows.SessionAssets
)

// emptyAssets are session assets with nothing in them, for inspecting flows on their own: what they use and
// the results they make don't depend on what exists.
func emptyAssets() flows.SessionAssets {
	emptyAssetsOnce.Do(func() {
		src, err := static.NewSource([]byte(`{}`))
		if err == nil {
			emptySA, err = engine.NewSessionAssets(envs.NewBuilder().Build(), src, nil)
		}
		if err != nil {
			panic(err)
		}
	})
	return emptySA
}
