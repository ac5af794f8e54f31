package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// TemplateStatus is a template translation's status at Meta, RapidPro's one-letter codes.
type TemplateStatus string

// The statuses a synced translation can have.
const (
	TemplatePending  TemplateStatus = "P"
	TemplateApproved TemplateStatus = "A"
	TemplateRejected TemplateStatus = "R"
	TemplatePaused   TemplateStatus = "U"
	TemplateDisabled TemplateStatus = "D"
	TemplateInAppeal TemplateStatus = "I"
)

// metaStatuses maps Meta's statuses onto ours; any other (DELETED, PENDING_DELETION…) is not synced.
var metaStatuses = map[string]TemplateStatus{
	"PENDING": TemplatePending, "APPROVED": TemplateApproved, "REJECTED": TemplateRejected,
	"PAUSED": TemplatePaused, "DISABLED": TemplateDisabled, "IN_APPEAL": TemplateInAppeal,
}

// Template is a message template of a workspace, named as at Meta.
type Template struct {
	ID                int64 `gorm:"primaryKey"`
	UUID              string
	WorkspaceID       int64
	Name              string
	BaseTranslationID *int64
	CreatedOn         time.Time
	ModifiedOn        time.Time
}

func (Template) TableName() string { return "templates" }

// TemplateTranslation is a template in one locale on one channel. Components and Variables are goflow's
// asset JSON.
type TemplateTranslation struct {
	ID             int64 `gorm:"primaryKey"`
	TemplateID     int64
	ChannelID      int64
	Locale         string
	Components     string
	Variables      string
	Status         TemplateStatus
	Namespace      string
	ExternalID     string
	ExternalLocale string
	IsSupported    bool
	IsCompatible   bool
	CreatedOn      time.Time
}

func (TemplateTranslation) TableName() string { return "template_translations" }

// MetaTemplate is an item of Meta's message_templates listing.
type MetaTemplate struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Language   string          `json:"language"`
	Status     string          `json:"status"`
	Category   string          `json:"category"`
	Components []MetaComponent `json:"components"`
}

// MetaComponent is a component of a Meta template.
type MetaComponent struct {
	Type    string       `json:"type"`
	Format  string       `json:"format,omitempty"`
	Text    string       `json:"text,omitempty"`
	Buttons []MetaButton `json:"buttons,omitempty"`
}

// MetaButton is a button of a Meta template's BUTTONS component.
type MetaButton struct {
	Type        string `json:"type"`
	Text        string `json:"text"`
	URL         string `json:"url,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// TemplateComponent is a translation's component in goflow's asset shape.
type TemplateComponent struct {
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	Content   string         `json:"content"`
	Display   string         `json:"display,omitempty"`
	Variables map[string]int `json:"variables"`
}

// TemplateVariable is a translation's variable in goflow's asset shape.
type TemplateVariable struct {
	Type string `json:"type"`
}

// ConvertedTemplate is a Meta item made into a translation, not yet stored.
type ConvertedTemplate struct {
	Name        string
	Locale      string
	Status      TemplateStatus
	Components  []TemplateComponent
	Variables   []TemplateVariable
	ExternalID  string
	ExtLocale   string
	IsSupported bool
}

var templateVarRe = regexp.MustCompile(`{{(\d+)}}`)

// templateVars finds a text's variable names, deduplicated and sorted by number.
func templateVars(text string) []string {
	seen := map[string]bool{}
	var names []string
	for _, m := range templateVarRe.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			names = append(names, m[1])
		}
	}
	sort.Slice(names, func(i, j int) bool {
		a, _ := strconv.Atoi(names[i])
		b, _ := strconv.Atoi(names[j])
		return a < b
	})
	return names
}

// TemplateLocale makes Meta's language code into RapidPro's locale: en → eng, en_US → eng-US; "" when the
// language isn't known.
func TemplateLocale(code string) string {
	lang, country, _ := strings.Cut(code, "_")
	base, err := language.ParseBase(lang)
	if err != nil {
		return ""
	}
	loc := base.ISO3()
	if country != "" {
		loc += "-" + country
	}
	if len(loc) > 6 {
		return ""
	}
	return loc
}

// ConvertMetaTemplate makes a Meta item into a translation; ok is false when the item isn't synced (a status
// such as DELETED, or a language that can't be a locale).
func ConvertMetaTemplate(item MetaTemplate) (ConvertedTemplate, bool) {
	status, known := metaStatuses[item.Status]
	locale := TemplateLocale(item.Language)
	if !known || locale == "" || item.Name == "" {
		return ConvertedTemplate{}, false
	}
	c := ConvertedTemplate{Name: item.Name, Locale: locale, Status: status, ExternalID: item.ID, ExtLocale: item.Language,
		IsSupported: true, Components: []TemplateComponent{}, Variables: []TemplateVariable{}}
	add := func(name, typ, content, display string, vars []string, varType string) {
		comp := TemplateComponent{Name: name, Type: typ, Content: content, Display: display, Variables: map[string]int{}}
		for _, v := range vars {
			comp.Variables[v] = len(c.Variables)
			c.Variables = append(c.Variables, TemplateVariable{Type: varType})
		}
		c.Components = append(c.Components, comp)
	}
	byType := map[string][]MetaComponent{}
	for _, comp := range item.Components {
		switch comp.Type {
		case "HEADER", "BODY", "FOOTER", "BUTTONS":
			byType[comp.Type] = append(byType[comp.Type], comp)
		default:
			c.IsSupported = false
		}
	}
	for _, comp := range byType["HEADER"] {
		switch comp.Format {
		case "TEXT":
			add("header", "header/text", comp.Text, "", templateVars(comp.Text), "text")
		case "IMAGE", "VIDEO", "DOCUMENT":
			add("header", "header/media", "", "", []string{"1"}, strings.ToLower(comp.Format))
		default:
			add("header", "header/unknown", comp.Text, "", nil, "")
			c.IsSupported = false
		}
	}
	for _, comp := range byType["BODY"] {
		add("body", "body/text", comp.Text, "", templateVars(comp.Text), "text")
	}
	for _, comp := range byType["FOOTER"] {
		add("footer", "footer/text", comp.Text, "", nil, "")
	}
	n := 0
	for _, comp := range byType["BUTTONS"] {
		for _, b := range comp.Buttons {
			name := fmt.Sprintf("button.%d", n)
			n++
			switch b.Type {
			case "QUICK_REPLY":
				add(name, "button/quick_reply", b.Text, "", templateVars(b.Text), "text")
			case "URL":
				add(name, "button/url", b.URL, b.Text, templateVars(b.URL), "text")
			case "PHONE_NUMBER":
				add(name, "button/phone_number", b.PhoneNumber, b.Text, nil, "")
			default:
				add(name, "button/unknown", b.Text, "", nil, "")
				c.IsSupported = false
			}
		}
	}
	return c, true
}

// TemplateSyncResult counts what a sync of a channel's templates did.
type TemplateSyncResult struct {
	Channel string `json:"channel"`
	Fetched int    `json:"fetched"`
	Skipped int    `json:"skipped"`
	Created int    `json:"created"`
	Updated int    `json:"updated"`
	Deleted int    `json:"deleted"`
}

// SyncTemplates makes a channel's translations what Meta listed: each item is upserted, the channel's
// translations not listed are deleted, and every template touched gets its base translation (the one in the
// workspace's primary language, else the oldest) and its translations' compatibility recomputed. Templates are
// flow assets, so the workspace's config version moves on.
func (s *Store) SyncTemplates(ctx context.Context, ch *Channel, items []MetaTemplate) (*TemplateSyncResult, error) {
	res := &TemplateSyncResult{Channel: ch.UUID, Fetched: len(items)}
	var ws Workspace
	if err := s.read(ctx).Where("id = ?", ch.WorkspaceID).Take(&ws).Error; err != nil {
		return nil, err
	}
	primary := ""
	if len(ws.Languages) > 0 {
		primary = ws.Languages[0]
	}
	err := s.writeConfig(ctx, func(tx *Tx) error {
		now := s.now()
		seen := []int64{}
		touched := map[int64]bool{}
		for _, item := range items {
			c, ok := ConvertMetaTemplate(item)
			if !ok {
				res.Skipped++
				continue
			}
			var t Template
			err := tx.db.Where("workspace_id = ? AND name = ?", ch.WorkspaceID, c.Name).Take(&t).Error
			if errors.Is(err, ErrNotFound) {
				t = Template{UUID: s.NewUUID(), WorkspaceID: ch.WorkspaceID, Name: c.Name, CreatedOn: now, ModifiedOn: now}
				if err := tx.db.Create(&t).Error; err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
			touched[t.ID] = true
			comps, _ := json.Marshal(c.Components)
			vars, _ := json.Marshal(c.Variables)
			var tr TemplateTranslation
			err = tx.db.Where("template_id = ? AND channel_id = ? AND locale = ?", t.ID, ch.ID, c.Locale).Take(&tr).Error
			if errors.Is(err, ErrNotFound) {
				tr = TemplateTranslation{TemplateID: t.ID, ChannelID: ch.ID, Locale: c.Locale, CreatedOn: now, IsCompatible: true}
				res.Created++
			} else if err != nil {
				return err
			} else {
				res.Updated++
			}
			tr.Components, tr.Variables, tr.Status = string(comps), string(vars), c.Status
			tr.ExternalID, tr.ExternalLocale, tr.IsSupported = c.ExternalID, c.ExtLocale, c.IsSupported
			if err := tx.db.Save(&tr).Error; err != nil {
				return err
			}
			seen = append(seen, tr.ID)
		}
		gone := tx.db.Where("channel_id = ?", ch.ID)
		if len(seen) > 0 {
			gone = gone.Where("id NOT IN ?", seen)
		}
		var stale []TemplateTranslation
		if err := gone.Find(&stale).Error; err != nil {
			return err
		}
		for _, tr := range stale {
			touched[tr.TemplateID] = true
			if err := tx.db.Exec("UPDATE templates SET base_translation_id = NULL WHERE base_translation_id = ?", tr.ID).Error; err != nil {
				return err
			}
			if err := tx.db.Delete(&TemplateTranslation{}, tr.ID).Error; err != nil {
				return err
			}
			res.Deleted++
		}
		for id := range touched {
			if err := tx.rebaseTemplate(id, primary, now); err != nil {
				return err
			}
		}
		return nil
	}, ch.WorkspaceID)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// rebaseTemplate picks a template's base translation (primary language, else the oldest) and marks each
// translation compatible when its variables are the base's.
func (tx *Tx) rebaseTemplate(templateID int64, primary string, now time.Time) error {
	var trs []TemplateTranslation
	if err := tx.db.Where("template_id = ?", templateID).Order("created_on, id").Find(&trs).Error; err != nil {
		return err
	}
	var base *TemplateTranslation
	for i := range trs {
		if lang, _, _ := strings.Cut(trs[i].Locale, "-"); primary != "" && lang == primary {
			base = &trs[i]
			break
		}
	}
	if base == nil && len(trs) > 0 {
		base = &trs[0]
	}
	var baseID *int64
	if base != nil {
		id := base.ID
		baseID = &id
	}
	if err := tx.db.Exec("UPDATE templates SET base_translation_id = ?, modified_on = ? WHERE id = ?", baseID, now, templateID).Error; err != nil {
		return err
	}
	for _, tr := range trs {
		compatible := base != nil && tr.Variables == base.Variables
		if compatible != tr.IsCompatible {
			if err := tx.db.Exec("UPDATE template_translations SET is_compatible = ? WHERE id = ?", compatible, tr.ID).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// TemplateWithTranslations is a template and its translations, each with its channel.
type TemplateWithTranslations struct {
	Template
	Translations []TranslationOnChannel
}

// TranslationOnChannel is a translation with the channel it is on.
type TranslationOnChannel struct {
	TemplateTranslation
	Channel Channel
}

// Usable is the one rule of what a message can be sent with, as mailroom loads templates: a translation
// approved at Meta, of a kind the engine supports and compatible with the template's base (same variables).
// Listings only ever hold translations on the workspace's active channels.
func (tr *TemplateTranslation) Usable() bool {
	return tr.Status == TemplateApproved && tr.IsSupported && tr.IsCompatible
}

// UsableOn are the template's usable translations, on one channel when channelID isn't 0.
func (t *TemplateWithTranslations) UsableOn(channelID int64) []TranslationOnChannel {
	var out []TranslationOnChannel
	for _, tr := range t.Translations {
		if tr.Usable() && (channelID == 0 || tr.ChannelID == channelID) {
			out = append(out, tr)
		}
	}
	return out
}

// TemplateQuery builds a listing of a workspace's templates with their translations, ordered by name.
type TemplateQuery struct {
	s           *Store
	workspaceID int64
	usable      bool
	uuid, name  string
}

// Templates starts a listing of the workspace's templates.
func (s *Store) Templates(workspaceID int64) *TemplateQuery {
	return &TemplateQuery{s: s, workspaceID: workspaceID}
}

// Usable keeps only what flows can send: the translations TemplateTranslation.Usable allows (on active
// channels, as every listing), and the templates that have one.
func (q *TemplateQuery) Usable() *TemplateQuery { q.usable = true; return q }

// UUID keeps the template with a UUID.
func (q *TemplateQuery) UUID(uuid string) *TemplateQuery { q.uuid = uuid; return q }

// Name keeps the template with a name.
func (q *TemplateQuery) Name(name string) *TemplateQuery { q.name = name; return q }

// All reads the listing.
func (q *TemplateQuery) All(ctx context.Context) ([]TemplateWithTranslations, error) {
	db := q.s.read(ctx)
	tq := db.Where("workspace_id = ?", q.workspaceID)
	if q.uuid != "" {
		tq = tq.Where("uuid = ?", q.uuid)
	}
	if q.name != "" {
		tq = tq.Where("name = ?", q.name)
	}
	var ts []Template
	if err := tq.Order("name, id").Find(&ts).Error; err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ts))
	for i := range ts {
		ids[i] = ts[i].ID
	}
	trq := db.Where("template_id IN ?", ids).Where("channel_id IN (SELECT id FROM channels WHERE workspace_id = ? AND is_active)", q.workspaceID)
	var trs []TemplateTranslation
	if err := trq.Order("created_on, id").Find(&trs).Error; err != nil {
		return nil, err
	}
	if q.usable { // in Go, by the one rule (Usable), not again in SQL: a workspace has few translations
		trs = slices.DeleteFunc(trs, func(tr TemplateTranslation) bool { return !tr.Usable() })
	}
	chIDs := []int64{}
	for _, tr := range trs {
		chIDs = append(chIDs, tr.ChannelID)
	}
	var chs []Channel
	if len(chIDs) > 0 {
		if err := db.Where("id IN ?", chIDs).Find(&chs).Error; err != nil {
			return nil, err
		}
	}
	chByID := map[int64]Channel{}
	for _, c := range chs {
		chByID[c.ID] = c
	}
	byTemplate := map[int64][]TranslationOnChannel{}
	for _, tr := range trs {
		byTemplate[tr.TemplateID] = append(byTemplate[tr.TemplateID], TranslationOnChannel{tr, chByID[tr.ChannelID]})
	}
	out := []TemplateWithTranslations{}
	for _, t := range ts {
		if q.usable && len(byTemplate[t.ID]) == 0 {
			continue
		}
		out = append(out, TemplateWithTranslations{t, byTemplate[t.ID]})
	}
	return out, nil
}

// GetTemplate finds a workspace's template by UUID, with all its translations; ErrNotFound when it has none.
func (s *Store) GetTemplate(ctx context.Context, workspaceID int64, uuid string) (*TemplateWithTranslations, error) {
	return firstTemplate(s.Templates(workspaceID).UUID(uuid).All(ctx))
}

// GetTemplateByName finds a workspace's template by name, with all its translations.
func (s *Store) GetTemplateByName(ctx context.Context, workspaceID int64, name string) (*TemplateWithTranslations, error) {
	return firstTemplate(s.Templates(workspaceID).Name(name).All(ctx))
}

func firstTemplate(ts []TemplateWithTranslations, err error) (*TemplateWithTranslations, error) {
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, ErrNotFound
	}
	return &ts[0], nil
}

// WhatsAppFlow is a WhatsApp Flow of a channel's business account, as Meta lists it.
type WhatsAppFlow struct {
	ID          int64 `gorm:"primaryKey"`
	WorkspaceID int64
	ChannelID   int64
	ExternalID  string
	Name        string
	Status      string
	Categories  string // a JSON list
	Assets      string // a JSON object
	ModifiedOn  time.Time
}

func (WhatsAppFlow) TableName() string { return "whatsapp_flows" }

// MetaFlow is an item of Meta's flows listing.
type MetaFlow struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	Categories []string `json:"categories"`
	// Assets is what the channel type made of the flow's JSON (WAC: its screens and variables, as Weni keeps
	// them); a flow without is kept with {}
	Assets json.RawMessage `json:"assets,omitempty"`
}

// SyncWhatsAppFlows makes a channel's WhatsApp Flows what Meta listed (with their assets, when the item has
// an object of them), deleting those it no longer lists.
func (s *Store) SyncWhatsAppFlows(ctx context.Context, ch *Channel, items []MetaFlow) (int, error) {
	n := 0
	return n, s.Write(ctx, func(tx *Tx) error {
		now := s.now()
		seen := []string{}
		for _, item := range items {
			if item.ID == "" {
				continue
			}
			cats := item.Categories
			if cats == nil {
				cats = []string{}
			}
			catsJSON, _ := json.Marshal(cats)
			var f WhatsAppFlow
			err := tx.db.Where("channel_id = ? AND external_id = ?", ch.ID, item.ID).Take(&f).Error
			if errors.Is(err, ErrNotFound) {
				f = WhatsAppFlow{WorkspaceID: ch.WorkspaceID, ChannelID: ch.ID, ExternalID: item.ID, Assets: "{}"}
			} else if err != nil {
				return err
			}
			f.Name, f.Status, f.Categories, f.ModifiedOn = item.Name, item.Status, string(catsJSON), now
			var assets map[string]any
			if json.Unmarshal(item.Assets, &assets) == nil && assets != nil {
				f.Assets = string(item.Assets)
			}
			if err := tx.db.Save(&f).Error; err != nil {
				return err
			}
			seen = append(seen, item.ID)
			n++
		}
		gone := tx.db.Where("channel_id = ?", ch.ID)
		if len(seen) > 0 {
			gone = gone.Where("external_id NOT IN ?", seen)
		}
		return gone.Delete(&WhatsAppFlow{}).Error
	})
}
