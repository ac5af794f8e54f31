package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
)

// The example: an export of one flow that asks for a birth year, keeps it in a field and adds the contact to a
// group, started by the keyword "signup". The import example brings it in; the export and flows examples find it.
const (
	exampleFlowUUID  = "a5e0b4f6-2d6b-4a48-9c3e-6f3f0c1d2e41"
	exampleGroupUUID = "c7d1e2f3-8a9b-4c5d-8e6f-7a8b9c0d1e2f"
)

var exampleFlowDefinition = map[string]any{
	"uuid": exampleFlowUUID, "name": "Sign Up", "spec_version": "14.4.2", "language": "eng", "type": "messaging",
	"revision": 1, "expire_after_minutes": 10080, "localization": map[string]any{},
	"nodes": []any{
		map[string]any{
			"uuid":    "5c4ed1f0-6a2b-4c3d-9e4f-1a2b3c4d5e60",
			"actions": []any{map[string]any{"uuid": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "type": "send_msg", "text": "Welcome! What year were you born?"}},
			"exits":   []any{map[string]any{"uuid": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "destination_uuid": "6d5fe201-7b3c-4d4e-8f50-2b3c4d5e6f71"}},
		},
		map[string]any{
			"uuid":    "6d5fe201-7b3c-4d4e-8f50-2b3c4d5e6f71",
			"actions": []any{},
			"router": map[string]any{
				"type": "switch", "wait": map[string]any{"type": "msg"}, "result_name": "Birth Year", "operand": "@input.text",
				"categories": []any{
					map[string]any{"uuid": "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60", "name": "Valid", "exit_uuid": "3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6071"},
					map[string]any{"uuid": "4f5a6b7c-8d9e-4f0a-9b2c-3d4e5f607182", "name": "Other", "exit_uuid": "5a6b7c8d-9e0f-4a1b-8c3d-4e5f60718293"},
				},
				"cases": []any{map[string]any{"uuid": "6b7c8d9e-0f1a-4b2c-9d4e-5f60718293a4", "type": "has_number_between",
					"arguments": []any{"1900", "2025"}, "category_uuid": "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60"}},
				"default_category_uuid": "4f5a6b7c-8d9e-4f0a-9b2c-3d4e5f607182",
			},
			"exits": []any{
				map[string]any{"uuid": "3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6071", "destination_uuid": "7e6a0312-8c4d-4e5f-9a61-3c4d5e6f7082"},
				map[string]any{"uuid": "5a6b7c8d-9e0f-4a1b-8c3d-4e5f60718293", "destination_uuid": "5c4ed1f0-6a2b-4c3d-9e4f-1a2b3c4d5e60"},
			},
		},
		map[string]any{
			"uuid": "7e6a0312-8c4d-4e5f-9a61-3c4d5e6f7082",
			"actions": []any{
				map[string]any{"uuid": "7c8d9e0f-1a2b-4c3d-8e5f-60718293a4b5", "type": "set_contact_field",
					"field": map[string]any{"key": "birth_year", "name": "Birth Year"}, "value": "@results.birth_year"},
				map[string]any{"uuid": "8d9e0f1a-2b3c-4d4e-9f60-718293a4b5c6", "type": "add_contact_groups",
					"groups": []any{map[string]any{"uuid": exampleGroupUUID, "name": "Members"}}},
				map[string]any{"uuid": "9e0f1a2b-3c4d-4e5f-8071-8293a4b5c6d7", "type": "send_msg", "text": "Thanks, you're signed up!"},
			},
			"exits": []any{map[string]any{"uuid": "0f1a2b3c-4d5e-4f60-9182-93a4b5c6d7e8"}},
		},
	},
}

var exampleImportBody = map[string]any{
	"version":   "13",
	"site":      "https://app.rapidpro.io",
	"flows":     []any{exampleFlowDefinition},
	"campaigns": []any{},
	"triggers": []any{map[string]any{"trigger_type": "K", "flow": map[string]any{"uuid": exampleFlowUUID, "name": "Sign Up"},
		"groups": []any{}, "exclude_groups": []any{}, "channel": nil, "keywords": []any{"signup"}, "match_type": "F"}},
	"fields": []any{map[string]any{"key": "birth_year", "name": "Birth Year", "type": "number"}},
	"groups": []any{map[string]any{"uuid": exampleGroupUUID, "name": "Members", "query": nil}},
}

var exampleImportResult = models.ImportResult{
	Flows:     []models.Ref{{UUID: exampleFlowUUID, Name: "Sign Up"}},
	Campaigns: []models.Ref{},
	Fields:    []models.FieldRef{{Key: "birth_year", Name: "Birth Year"}},
	Groups:    []models.Ref{{UUID: exampleGroupUUID, Name: "Members"}},
}

// exampleFlow is the example flow as the import stores it.
var exampleFlow = models.Flow{UUID: exampleFlowUUID, Name: "Sign Up", FlowType: models.FlowMessage, SpecVersion: "14.4.2",
	Revision: 1, Definition: mustJSON(exampleFlowDefinition), ExpiresMinutes: 10080,
	CreatedOn: exampleTime, ModifiedOn: exampleTime}

var exampleExport = siteExport{Site: "https://flowsd.example.com", Export: models.Export{
	Flows: []models.Flow{exampleFlow},
	Triggers: []models.ExportedTrigger{{Trigger: models.Trigger{TriggerType: models.TriggerKeyword, Keywords: models.StringList{"signup"},
		MatchType: ptr(models.MatchFirstWord)}, Flow: exampleFlow, Groups: []models.Group{}, ExcludeGroups: []models.Group{}}},
	Fields: []models.Field{{Key: "birth_year", Name: "Birth Year", ValueType: models.FieldNumber}},
	Groups: []models.Group{{UUID: exampleGroupUUID, Name: "Members"}},
}}

var definitionsExportDocs = OperationDocs{Title: "Export Definitions",
	Params: []Param{
		{Name: "flow", Help: "The UUID of a flow to export; repeat it for more flows"},
		{Name: "campaign", Help: "The UUID of a campaign to export; repeat it for more campaigns"},
		{Name: "dependencies", Help: "What to take along: all (the default: connected flows, campaigns and triggers, and the fields and groups they use), flows (connected flows and triggers) or none; 1 and 0 mean all and none"},
	},
	Example: Example{Query: "flow=" + exampleFlowUUID, Status: http.StatusOK, Answer: objectAnswer(convertDefinitions, exampleExport)}}

var definitionsImportDocs = OperationDocs{Title: "Import Definitions",
	Fields: []Param{
		{Name: "version", Required: true, Help: "The version of the export format, 11 to 13 (a flowsd extension: the body is a RapidPro export)"},
		{Name: "site", Help: "Where the export was made (not used: any value)", Type: "any"},
		{Name: "flows", Required: true, Help: "Flow definitions of any spec version the engine migrates, legacy (11.x) ones included; flows are matched by UUID", Type: "array"},
		{Name: "campaigns", Help: "Campaigns with their events; matched by UUID, then name", Type: "array"},
		{Name: "triggers", Help: "Keyword and catch-all triggers; one matching an existing trigger is not made again", Type: "array"},
		{Name: "fields", Help: "Contact fields; matched by key, their names and types updated", Type: "array"},
		{Name: "groups", Help: "Contact groups, smart when they have a query; matched by UUID, then name", Type: "array"},
	},
	Example:  Example{Body: exampleImportBody, Status: http.StatusCreated, Answer: objectAnswer(convertImportResult, exampleImportResult)},
	Limited:  true,
	JSONOnly: true}

// siteExport is an export with the address of the site it was made on.
type siteExport struct {
	models.Export
	Site string
}

type definitionsOut struct {
	Version   string            `json:"version"`
	Site      string            `json:"site"`
	Flows     []json.RawMessage `json:"flows"`
	Campaigns []campaignDefOut  `json:"campaigns"`
	Triggers  []triggerDefOut   `json:"triggers"`
	Fields    []fieldDefOut     `json:"fields"`
	Groups    []groupDefOut     `json:"groups"`
}

type campaignDefOut struct {
	UUID   string             `json:"uuid"`
	Name   string             `json:"name"`
	Group  ref                `json:"group"`
	Events []campaignEventDef `json:"events"`
}

type campaignEventDef struct {
	UUID         string          `json:"uuid"`
	Offset       int             `json:"offset"`
	Unit         string          `json:"unit"`
	EventType    string          `json:"event_type"`
	DeliveryHour int             `json:"delivery_hour"`
	RelativeTo   relativeToDef   `json:"relative_to"`
	StartMode    string          `json:"start_mode"`
	Flow         *ref            `json:"flow,omitempty"`
	Message      json.RawMessage `json:"message,omitempty"`
	BaseLanguage string          `json:"base_language,omitempty"`
}

type relativeToDef struct {
	Label string `json:"label"`
	Key   string `json:"key"`
}

type triggerDefOut struct {
	TriggerType   string   `json:"trigger_type"`
	Flow          ref      `json:"flow"`
	Groups        []ref    `json:"groups"`
	ExcludeGroups []ref    `json:"exclude_groups"`
	Channel       *ref     `json:"channel"`
	Keywords      []string `json:"keywords,omitempty"`
	MatchType     string   `json:"match_type,omitempty"`
}

type fieldDefOut struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	Type string `json:"type"`
}

type groupDefOut struct {
	UUID  string  `json:"uuid"`
	Name  string  `json:"name"`
	Query *string `json:"query"`
}

// export codes of what flowsd stores in words
var (
	eventUnitCodes   = map[string]string{"minutes": "M", "hours": "H", "days": "D", "weeks": "W"}
	eventTypeCodes   = map[string]string{models.EventFlow: "F", models.EventMessage: "M"}
	triggerTypeCodes = map[models.TriggerType]string{models.TriggerKeyword: "K", models.TriggerCatchAll: "C", models.TriggerClosedTicket: "T"}
	matchTypeCodes   = map[string]string{models.MatchFirstWord: "F", models.MatchOnlyWord: "O"}
)

// convertDefinitions writes an export in RapidPro's format, version 13.
func convertDefinitions(_ *Ctx, x *siteExport) any {
	out := definitionsOut{Version: flows.ExportVersion, Site: x.Site, Flows: []json.RawMessage{}, Campaigns: []campaignDefOut{},
		Triggers: []triggerDefOut{}, Fields: []fieldDefOut{}, Groups: []groupDefOut{}}
	for _, f := range x.Flows {
		out.Flows = append(out.Flows, json.RawMessage(f.Definition))
	}
	for _, c := range x.Campaigns {
		cd := campaignDefOut{UUID: c.UUID, Name: c.Name, Group: ref{UUID: c.Group.UUID, Name: c.Group.Name}, Events: []campaignEventDef{}}
		for _, e := range c.Events {
			ed := campaignEventDef{UUID: e.UUID, Offset: e.Offset, Unit: eventUnitCodes[e.Unit], EventType: eventTypeCodes[e.EventType],
				DeliveryHour: e.DeliveryHour, RelativeTo: relativeToDef{Label: e.RelativeTo.Name, Key: e.RelativeTo.Key}, StartMode: e.StartMode}
			if e.Flow != nil {
				ed.Flow = &ref{UUID: e.Flow.UUID, Name: e.Flow.Name}
			} else if e.Message != nil {
				ed.Message = json.RawMessage(*e.Message)
				if ts, err := models.ParseTranslations(*e.Message); err == nil && len(ts) > 0 {
					ed.BaseLanguage = ts[0].Lang
				}
			}
			cd.Events = append(cd.Events, ed)
		}
		out.Campaigns = append(out.Campaigns, cd)
	}
	for _, t := range x.Triggers {
		td := triggerDefOut{TriggerType: triggerTypeCodes[t.TriggerType], Flow: ref{UUID: t.Flow.UUID, Name: t.Flow.Name},
			Groups: groupRefs(t.Groups), ExcludeGroups: groupRefs(t.ExcludeGroups)}
		if t.TriggerType == models.TriggerKeyword {
			td.Keywords = t.Keywords
			if t.MatchType != nil {
				td.MatchType = matchTypeCodes[*t.MatchType]
			}
		}
		out.Triggers = append(out.Triggers, td)
	}
	for _, f := range x.Fields {
		out.Fields = append(out.Fields, fieldDefOut{Key: f.Key, Name: f.Name, Type: f.ValueType})
	}
	for _, g := range x.Groups {
		out.Groups = append(out.Groups, groupDefOut{UUID: g.UUID, Name: g.Name, Query: g.Query})
	}
	return out
}

func groupRefs(groups []models.Group) []ref {
	out := make([]ref, len(groups))
	for i, g := range groups {
		out[i] = ref{UUID: g.UUID, Name: g.Name}
	}
	return out
}

type importOut struct {
	Flows     []ref         `json:"flows"`
	Campaigns []ref         `json:"campaigns"`
	Fields    []fieldRefOut `json:"fields"`
	Groups    []ref         `json:"groups"`
}

type fieldRefOut struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// convertImportResult writes what an import brought in: every flow, campaign, field and group, new or updated.
func convertImportResult(_ *Ctx, r *models.ImportResult) any {
	out := importOut{Flows: []ref{}, Campaigns: []ref{}, Fields: []fieldRefOut{}, Groups: []ref{}}
	for _, f := range r.Flows {
		out.Flows = append(out.Flows, ref{UUID: f.UUID, Name: f.Name})
	}
	for _, c := range r.Campaigns {
		out.Campaigns = append(out.Campaigns, ref{UUID: c.UUID, Name: c.Name})
	}
	for _, f := range r.Fields {
		out.Fields = append(out.Fields, fieldRefOut{Key: f.Key, Name: f.Name})
	}
	for _, g := range r.Groups {
		out.Groups = append(out.Groups, ref{UUID: g.UUID, Name: g.Name})
	}
	return out
}

// exportDefinitions answers an export of the flows and campaigns asked for, with their dependencies.
func exportDefinitions(c *Ctx) error {
	flowUUIDs, err := uuidList(c, "flow")
	if err != nil {
		return err
	}
	campaignUUIDs, err := uuidList(c, "campaign")
	if err != nil {
		return err
	}
	include := flows.DependenciesAll
	switch d := c.query.Get("dependencies"); d {
	case "", flows.DependenciesAll, "1":
	case flows.DependenciesFlows:
		include = flows.DependenciesFlows
	case flows.DependenciesNone, "0":
		include = flows.DependenciesNone
	default:
		return errQuery("dependencies must be one of none, flows, all")
	}
	export, err := flows.Export(c.Request().Context(), c.store(), c.ws(), flowUUIDs, campaignUUIDs, include)
	if err != nil {
		return err
	}
	return c.respond(http.StatusOK, convertDefinitions(c, &siteExport{Export: *export, Site: absoluteURL(c, "")}))
}

// uuidList reads a repeatable UUID parameter, with no limit on how many (an export may name many flows).
func uuidList(c *Ctx, name string) ([]string, error) {
	var out []string
	for _, v := range c.query[name] {
		u, ok := normalizeUUID(v)
		if !ok {
			return nil, errQuery("Param '" + name + "': " + v + " is not a valid UUID.")
		}
		out = append(out, u)
	}
	return out, nil
}

// importDefinitions imports an export (our extension): all of it, in one transaction, or nothing.
func importDefinitions(c *Ctx) error {
	ctx := c.Request().Context()
	body, err := readJSONDocument(c.Request(), c.rt.Config.MaxBodyBytes)
	if err != nil {
		return err
	}
	spec, err := flows.ParseExports(flows.Document{Data: body})
	if err != nil {
		return importFailure(c, err)
	}
	result, err := flows.Import(ctx, c.store(), c.ws(), spec)
	if err != nil {
		return importFailure(c, err)
	}
	return c.respond(http.StatusCreated, convertImportResult(c, result))
}

// importFailure answers an export that can't be imported: a 400 saying why, or the limit's answer.
func importFailure(c *Ctx, err error) error {
	var invalid *models.ImportError
	var limit *models.LimitError
	switch {
	case errors.As(err, &invalid):
		return errQuery(invalid.Msg)
	case errors.As(err, &limit):
		return limitReached(c, limit.Kind)
	}
	return err
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
