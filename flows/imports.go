package flows

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/definition"
)

// Importing RapidPro exports, for the API and the command line alike: ParseExports reads and checks files
// (every flow migrated to the engine's spec version and read by the engine), Import writes them into a
// workspace (see models/import.go for how they are matched against what the workspace has), its smart groups
// then evaluated by the group workers.

// MaxExportBytes bounds an export file read from disk; the API's bodies have the server's own limit.
const MaxExportBytes = 10 << 20

// Export format versions flowsd imports: 11 (legacy flows, which the engine migrates) to RapidPro's current, 13.
var (
	minExportVersion = semver.MustParse("11")
	maxExportVersion = semver.MustParse("13")
)

// ExportVersion is the export format version flowsd writes, RapidPro's current.
const ExportVersion = "13"

// SpecVersion is the flow spec version of the engine: flows are stored and exported at it.
func SpecVersion() string { return definition.CurrentSpecVersion.String() }

var flowTypes = map[flows.FlowType]models.FlowType{
	flows.FlowTypeMessaging:           models.FlowMessage,
	flows.FlowTypeMessagingBackground: models.FlowBackground,
	flows.FlowTypeMessagingOffline:    models.FlowSurvey,
	flows.FlowTypeVoice:               models.FlowVoice,
}

var eventUnits = map[string]string{"M": "minutes", "H": "hours", "D": "days", "W": "weeks"}

// trigger types flowsd skips: scheduled triggers (exports hold no schedule), types RapidPro removed, and types
// fired by channels and calls, which flowsd doesn't have (closed tickets, T, it fires)
var skippedTriggerTypes = []string{"S", "I", "O", "V", "M", "N", "R"}

func importError(format string, args ...any) error {
	return &models.ImportError{Msg: fmt.Sprintf(format, args...)}
}

// ParseExport reads an export file: its flows migrated to the engine's spec version and read by the engine,
// its other parts checked. Anything wrong is a *models.ImportError saying what and where.
func ParseExport(data []byte) (*models.ImportSpec, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var v any
		if json.Unmarshal(data, &v) == nil {
			return nil, importError("The export must be a JSON object.")
		}
		return nil, importError("The export is not valid JSON: %v.", err)
	}
	if top == nil {
		return nil, importError("The export must be a JSON object.")
	}
	rawVersion, ok := top["version"]
	if !ok {
		return nil, importError(`Not an export: it has no "version".`)
	}
	version, err := readVersion(rawVersion)
	if err != nil {
		return nil, importError(`Not an export: its "version" %s is not a version.`, rawVersion)
	}
	if version.LessThan(minExportVersion) || version.GreaterThan(maxExportVersion) {
		return nil, importError("Export version %s is not supported: flowsd imports exports of versions %s to %s.", version.Original(), minExportVersion.Original(), maxExportVersion.Original())
	}
	if _, ok := top["flows"]; !ok {
		return nil, importError(`Not an export: it has no "flows".`)
	}

	lists := map[string][]json.RawMessage{}
	for _, key := range []string{"flows", "campaigns", "triggers", "fields", "groups"} {
		raw, ok := top[key]
		if !ok || string(raw) == "null" {
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, importError("%q must be a list.", key)
		}
		lists[key] = items
	}

	spec := &models.ImportSpec{}
	seen := map[string]bool{}
	for i, raw := range lists["flows"] {
		f, err := parseFlow(raw, i)
		if err != nil {
			return nil, err
		}
		if seen[f.UUID] {
			return nil, importError("Flow %q (%s) is in the export twice.", f.Name, f.UUID)
		}
		seen[f.UUID] = true
		spec.Flows = append(spec.Flows, *f)
	}
	for i, raw := range lists["fields"] {
		f, err := parseField(raw, i)
		if err != nil {
			return nil, err
		}
		spec.Fields = append(spec.Fields, *f)
	}
	for i, raw := range lists["groups"] {
		g, err := parseGroup(raw, i)
		if err != nil {
			return nil, err
		}
		spec.Groups = append(spec.Groups, *g)
	}
	for i, raw := range lists["campaigns"] {
		c, err := parseCampaign(raw, i)
		if err != nil {
			return nil, err
		}
		spec.Campaigns = append(spec.Campaigns, *c)
	}
	for i, raw := range lists["triggers"] {
		t, err := parseTrigger(raw, i)
		if err != nil {
			return nil, err
		}
		if t != nil {
			spec.Triggers = append(spec.Triggers, *t)
		}
	}
	return spec, nil
}

// Document is an export file to import; Name, when given, starts the messages of what is wrong with it.
type Document struct {
	Name string
	Data []byte
}

// ParseExports reads export files into one import: a flow in more than one is taken from the last. Anything
// wrong is a *models.ImportError saying what and where.
func ParseExports(docs ...Document) (*models.ImportSpec, error) {
	specs := make([]*models.ImportSpec, 0, len(docs))
	for _, doc := range docs {
		spec, err := ParseExport(doc.Data)
		var invalid *models.ImportError
		if errors.As(err, &invalid) && doc.Name != "" {
			return nil, &models.ImportError{Msg: doc.Name + ": " + invalid.Msg}
		}
		if err != nil {
			return nil, err
		}
		specs = append(specs, spec)
	}
	return MergeSpecs(specs...), nil
}

// MergeSpecs makes one import of several files: a flow in more than one is taken from the last.
func MergeSpecs(specs ...*models.ImportSpec) *models.ImportSpec {
	out := &models.ImportSpec{}
	index := map[string]int{}
	for _, s := range specs {
		for _, f := range s.Flows {
			if i, ok := index[f.UUID]; ok {
				out.Flows[i] = f
				continue
			}
			index[f.UUID] = len(out.Flows)
			out.Flows = append(out.Flows, f)
		}
		out.Fields = append(out.Fields, s.Fields...)
		out.Groups = append(out.Groups, s.Groups...)
		out.Campaigns = append(out.Campaigns, s.Campaigns...)
		out.Triggers = append(out.Triggers, s.Triggers...)
	}
	return out
}

// readVersion reads a version written as a string ("13", "11.12") or a number (13, 10.1).
func readVersion(raw json.RawMessage) (*semver.Version, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, err
		}
		s = n.String()
	}
	return semver.NewVersion(strings.TrimSpace(s))
}
