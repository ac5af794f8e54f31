package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/Masterminds/semver/v3"
	"github.com/flowsd/flowsd/models"
	"github.com/google/uuid"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/assets/static"
	"github.com/nyaruka/goflow/contactql"
	"github.com/nyaruka/goflow/contactql/parse"
	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/actions"
	"github.com/nyaruka/goflow/flows/definition"
	"github.com/nyaruka/goflow/flows/definition/migrations"
	"github.com/nyaruka/goflow/flows/engine"
)

// Importing RapidPro exports: ParseExport reads and checks a file (every flow migrated to the engine's spec
// version and read by the engine), Import writes it into a workspace (see models/imports.go for how it is
// matched against what the workspace has), and GroupsToEvaluate says which smart groups then need their members
// worked out.

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

var flowTypes = map[flows.FlowType]string{
	flows.FlowTypeMessaging:           models.FlowMessage,
	flows.FlowTypeMessagingBackground: models.FlowBackground,
	flows.FlowTypeMessagingOffline:    models.FlowSurvey,
	flows.FlowTypeVoice:               models.FlowVoice,
}

var eventUnits = map[string]string{"M": "minutes", "H": "hours", "D": "days", "W": "weeks"}

// trigger types flowsd skips: scheduled triggers (exports hold no schedule), types RapidPro removed, and types
// fired by channels, calls and tickets, which flowsd doesn't have
var skippedTriggerTypes = []string{"S", "I", "O", "V", "M", "N", "R", "T"}

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

// exportItem is one object of an export's list, read loosely so that a wrong type gets a clear message.
type exportItem map[string]json.RawMessage

func readItem(raw json.RawMessage, kind string, i int) (exportItem, error) {
	var item exportItem
	if err := json.Unmarshal(raw, &item); err != nil || item == nil {
		return nil, importError("%s %d of the export is not a JSON object.", kind, i+1)
	}
	return item, nil
}

// str reads a string property; absent or null is "".
func (it exportItem) str(key string) (string, bool) {
	raw, ok := it[key]
	if !ok || string(raw) == "null" {
		return "", true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// integer reads an integer property, given as a number or a string of one.
func (it exportItem) integer(key string) (int, bool) {
	raw, ok := it[key]
	if !ok {
		return 0, false
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		n = json.Number(strings.TrimSpace(s))
	}
	v, err := strconv.Atoi(n.String())
	return v, err == nil
}

// ref reads a {"uuid", "name"} reference; a UUID that isn't one is dropped, as RapidPro drops it.
func (it exportItem) ref(key string) (models.Ref, bool) {
	raw, ok := it[key]
	if !ok || string(raw) == "null" {
		return models.Ref{}, false
	}
	var r struct {
		UUID string `json:"uuid"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return models.Ref{}, false
	}
	return models.Ref{UUID: cleanUUID(r.UUID), Name: r.Name}, r.UUID != "" || r.Name != ""
}

func (it exportItem) refs(key string) ([]models.Ref, bool) {
	raw, ok := it[key]
	if !ok || string(raw) == "null" {
		return nil, true
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	var out []models.Ref
	for _, item := range items {
		r, ok := exportItem{"r": item}.ref("r")
		if !ok {
			return nil, false
		}
		out = append(out, r)
	}
	return out, true
}

func cleanUUID(s string) string {
	u, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return u.String()
}

func parseField(raw json.RawMessage, i int) (*models.ImportField, error) {
	it, err := readItem(raw, "Field", i)
	if err != nil {
		return nil, err
	}
	key, ok1 := it.str("key")
	name, ok2 := it.str("name")
	if !ok2 || name == "" {
		name, ok2 = it.str("label")
	}
	valueType, ok3 := it.str("type")
	if !ok3 || valueType == "" {
		valueType, ok3 = it.str("value_type")
	}
	if !ok1 || !ok2 || !ok3 || key == "" {
		return nil, importError("Field %d of the export needs a key, a name and a type.", i+1)
	}
	if valueType == "numeric" {
		valueType = models.FieldNumber
	}
	if valueType != "" && !slices.Contains(models.FieldTypes, valueType) {
		return nil, importError("Field %q has the type %q, which is not one of %s.", key, valueType, strings.Join(models.FieldTypes, ", "))
	}
	return &models.ImportField{Key: key, Name: name, Type: valueType}, nil
}

func parseGroup(raw json.RawMessage, i int) (*models.ImportGroup, error) {
	it, err := readItem(raw, "Group", i)
	if err != nil {
		return nil, err
	}
	uuidStr, ok1 := it.str("uuid")
	name, ok2 := it.str("name")
	query, ok3 := it.str("query")
	if !ok1 || !ok2 || !ok3 || strings.TrimSpace(name) == "" {
		return nil, importError("Group %d of the export needs a name (and may have a uuid and a query).", i+1)
	}
	g := &models.ImportGroup{UUID: cleanUUID(uuidStr), Name: name}
	if strings.TrimSpace(query) != "" {
		g.Query = &query
	}
	return g, nil
}

func parseCampaign(raw json.RawMessage, i int) (*models.ImportCampaign, error) {
	it, err := readItem(raw, "Campaign", i)
	if err != nil {
		return nil, err
	}
	uuidStr, _ := it.str("uuid")
	name, ok := it.str("name")
	if !ok || strings.TrimSpace(name) == "" {
		return nil, importError("Campaign %d of the export has no name.", i+1)
	}
	what := fmt.Sprintf("Campaign %q", name)
	group, ok := it.ref("group")
	if !ok {
		return nil, importError("%s has no group.", what)
	}
	c := &models.ImportCampaign{UUID: cleanUUID(uuidStr), Name: name, Group: group}

	var events []json.RawMessage
	if raw, ok := it["events"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &events); err != nil {
			return nil, importError("%s: \"events\" must be a list.", what)
		}
	}
	for j, raw := range events {
		e, err := parseEvent(raw, what, j)
		if err != nil {
			return nil, err
		}
		c.Events = append(c.Events, *e)
	}
	return c, nil
}

func parseEvent(raw json.RawMessage, campaign string, j int) (*models.ImportEvent, error) {
	it, err := readItem(raw, campaign+": event", j)
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("%s: event %d", campaign, j+1)
	uuidStr, _ := it.str("uuid")
	e := &models.ImportEvent{UUID: cleanUUID(uuidStr), DeliveryHour: -1}

	var ok bool
	if e.Offset, ok = it.integer("offset"); !ok {
		return nil, importError("%s has no offset.", what)
	}
	unit, _ := it.str("unit")
	if e.Unit = eventUnits[unit]; e.Unit == "" {
		return nil, importError("%s has the unit %q: it must be M, H, D or W.", what, unit)
	}
	if _, present := it["delivery_hour"]; present {
		if e.DeliveryHour, ok = it.integer("delivery_hour"); !ok || e.DeliveryHour < -1 || e.DeliveryHour > 23 {
			return nil, importError("%s has an invalid delivery hour: it must be -1 to 23.", what)
		}
	}

	var rel struct {
		Key   string `json:"key"`
		Label string `json:"label"`
		Name  string `json:"name"`
	}
	if raw, ok := it["relative_to"]; !ok || json.Unmarshal(raw, &rel) != nil || rel.Key == "" {
		return nil, importError("%s has no relative_to field.", what)
	}
	if rel.Key == "created_on" || rel.Key == "last_seen_on" {
		return nil, importError("%s is relative to %q: flowsd's campaigns can only use date fields of contacts.", what, rel.Key)
	}
	e.RelativeTo = models.FieldRef{Key: rel.Key, Name: rel.Label}
	if e.RelativeTo.Name == "" {
		e.RelativeTo.Name = rel.Name
	}

	eventType, _ := it.str("event_type")
	switch eventType {
	case "F":
		flow, ok := it.ref("flow")
		if !ok || flow.UUID == "" {
			return nil, importError("%s starts a flow but names none.", what)
		}
		e.Flow = &flow
	case "M":
		base, _ := it.str("base_language")
		msg, err := readTranslations(it["message"], base)
		if err != nil {
			return nil, importError("%s: %s", what, err)
		}
		e.Message = msg
	default:
		return nil, importError("%s has the event type %q: it must be F (a flow) or M (a message).", what, eventType)
	}
	return e, nil
}

// readTranslations reads a message event's message: translations by language, a JSON string of them, or plain
// text ("base", stored as "und" as RapidPro does). The base language comes first.
func readTranslations(raw json.RawMessage, base string) ([]models.Translation, error) {
	var byLang map[string]string
	if err := json.Unmarshal(raw, &byLang); err != nil {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("the message must be text or translations by language")
		}
		if json.Unmarshal([]byte(s), &byLang) != nil {
			byLang, base = map[string]string{"base": s}, "base"
		}
	}
	if text, ok := byLang["base"]; ok {
		delete(byLang, "base")
		byLang["und"] = text
		if base == "base" || base == "" {
			base = "und"
		}
	}
	if len(byLang) == 0 {
		return nil, fmt.Errorf("the message has no text")
	}
	langs := make([]string, 0, len(byLang))
	for lang := range byLang {
		langs = append(langs, lang)
	}
	slices.Sort(langs)
	if _, ok := byLang[base]; !ok {
		base = langs[0]
	}
	out := []models.Translation{{Lang: base, Text: byLang[base]}}
	for _, lang := range langs {
		if lang != base {
			out = append(out, models.Translation{Lang: lang, Text: byLang[lang]})
		}
	}
	return out, nil
}

// RapidPro's keywords: one run of word characters, or a single emoji, at most 16 characters.
var emojiKeyword = regexp.MustCompile(`^[\x{1F600}-\x{1F64F}\x{1F300}-\x{1F5FF}\x{1F680}-\x{1F6FF}\x{1F1E0}-\x{1F1FF}]$`)

func validKeyword(k string) bool {
	if k == "" || len([]rune(k)) > 16 {
		return false
	}
	if emojiKeyword.MatchString(k) {
		return true
	}
	for _, r := range k {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && r != '_' {
			return false
		}
	}
	return true
}

func parseTrigger(raw json.RawMessage, i int) (*models.ImportTrigger, error) {
	it, err := readItem(raw, "Trigger", i)
	if err != nil {
		return nil, err
	}
	code, _ := it.str("trigger_type")
	t := &models.ImportTrigger{}
	switch {
	case code == "K":
		t.Type = models.TriggerKeyword
	case code == "C":
		t.Type = models.TriggerCatchAll
	case slices.Contains(skippedTriggerTypes, code):
		return nil, nil
	default:
		return nil, importError("Trigger %d of the export: %q is not a valid trigger type.", i+1, code)
	}
	what := fmt.Sprintf("Trigger %d of the export", i+1)

	var ok bool
	if t.Flow, ok = it.ref("flow"); !ok || t.Flow.UUID == "" {
		return nil, importError("%s: Field 'flow' is required.", what)
	}
	if t.Groups, ok = it.refs("groups"); !ok {
		return nil, importError("%s: \"groups\" must be a list of groups.", what)
	}
	if t.ExcludeGroups, ok = it.refs("exclude_groups"); !ok {
		return nil, importError("%s: \"exclude_groups\" must be a list of groups.", what)
	}
	if t.Type != models.TriggerKeyword {
		return t, nil
	}

	var keywords []string
	if raw, ok := it["keywords"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &keywords); err != nil {
			return nil, importError("%s: \"keywords\" must be a list of keywords.", what)
		}
	} else if k, ok := it.str("keyword"); ok && k != "" {
		keywords = []string{k} // older exports had one keyword
	}
	if len(keywords) == 0 {
		return nil, importError("%s: Field 'keywords' is required.", what)
	}
	for _, k := range keywords {
		k = strings.ToLower(strings.TrimSpace(k))
		if !validKeyword(k) {
			return nil, importError("%s: %q is not a valid keyword.", what, k)
		}
		if !slices.Contains(t.Keywords, k) {
			t.Keywords = append(t.Keywords, k)
		}
	}
	switch match, _ := it.str("match_type"); match {
	case "", "F":
		t.MatchType = models.MatchFirstWord
	case "O":
		t.MatchType = models.MatchOnlyWord
	default:
		return nil, importError("%s: %q is not a match type (F or O).", what, match)
	}
	return t, nil
}

// Import writes a parsed export into a workspace, in one transaction. Smart groups it makes are evaluating:
// pass the result to GroupsToEvaluate once it has committed.
func Import(ctx context.Context, store *models.Store, ws *models.Workspace, spec *models.ImportSpec) (*models.ImportResult, error) {
	if err := planGroupQueries(ctx, store, ws, spec); err != nil {
		return nil, err
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

// GroupsToEvaluate gives the smart groups an import left needing their members worked out: the ones it made,
// and those using a field whose type it changed (which it sets evaluating). Pass each to EvaluateGroup.
func GroupsToEvaluate(ctx context.Context, store *models.Store, ws *models.Workspace, res *models.ImportResult) ([]models.Group, error) {
	groups := slices.Clone(res.NewSmartGroups)
	if len(res.RetypedFields) == 0 {
		return groups, nil
	}
	using, err := GroupsUsingFields(ctx, store, ws)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, key := range res.RetypedFields {
		for _, g := range using[key] {
			if !slices.ContainsFunc(groups, func(x models.Group) bool { return x.ID == g.ID }) {
				g.Status = models.GroupEvaluating
				groups = append(groups, g)
				ids = append(ids, g.ID)
			}
		}
	}
	if err := store.MarkGroupsEvaluating(ctx, ws.ID, ids); err != nil {
		return nil, err
	}
	return groups, nil
}
