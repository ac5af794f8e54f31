package flows

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/goflow/core"
	"golang.org/x/text/language"
)

// A whatsapp_broadcasts msg may name a template (C.2): Weni's flat list of variables fills the body's
// variables in order, the first media attachment a header/media variable, and the translation is the one of
// the contact's channel in the first of the msg's locale, the contact's and the workspace's default (C.3, as
// goflow's FindTranslation matches them). The message's text is the translation's preview, as mailroom sets it.

// UsableTranslations are the translations of a template a message can be sent with (approved, supported and
// compatible, as mailroom loads them; channels are the workspace's active ones already), on one channel when
// channelID isn't 0.
func UsableTranslations(t *models.TemplateWithTranslations, channelID int64) []models.TranslationOnChannel {
	var out []models.TranslationOnChannel
	for _, tr := range t.Translations {
		if tr.Status == models.TemplateApproved && tr.IsSupported && tr.IsCompatible && (channelID == 0 || tr.ChannelID == channelID) {
			out = append(out, tr)
		}
	}
	return out
}

// TemplateNeeds is what a translation asks of a msg: how many body variables, and whether a header wants media.
type TemplateNeeds struct {
	BodyVariables int
	HeaderMedia   bool
}

// NeedsOf reads a stored translation's needs (compatible translations share them).
func NeedsOf(tr *models.TemplateTranslation) TemplateNeeds {
	var comps []models.TemplateComponent
	_ = json.Unmarshal([]byte(tr.Components), &comps)
	n := TemplateNeeds{}
	for _, c := range comps {
		switch c.Type {
		case "body/text":
			n.BodyVariables += len(c.Variables)
		case "header/media":
			n.HeaderMedia = n.HeaderMedia || len(c.Variables) > 0
		}
	}
	return n
}

// ParseBCP47 reads a msg's template locale ("pt-BR", "pt") as RapidPro's locale ("por-BR").
func ParseBCP47(code string) (i18n.Locale, error) {
	tag, err := language.Parse(code)
	if err != nil {
		return "", fmt.Errorf("not a BCP47 locale: %q", code)
	}
	base, _ := tag.Base()
	lang, err := i18n.ParseLanguage(base.ISO3())
	if err != nil {
		return "", err
	}
	country := i18n.NilCountry
	if region, conf := tag.Region(); conf == language.Exact && region.IsCountry() { // not 419 (Latin America)
		country = i18n.Country(region.String())
	}
	return i18n.NewLocale(lang, country), nil
}

// whatsAppTemplateSpec is the template of a msg object, as the API normalised it.
type whatsAppTemplateSpec struct {
	UUID      string   `json:"uuid"`
	Name      string   `json:"name"`
	Variables []string `json:"variables"`
	Locale    string   `json:"locale"`
}

// whatsAppTemplate is a W broadcast's template ready to render per contact: the engine's (the workspace's
// usable templates are among its assets), the msg's variables (expressions) and locale.
type whatsAppTemplate struct {
	engine    *core.Template
	variables []string
	locale    i18n.Locale // the msg's, tried first ("" when none)

	// translations found, by channel and contact locale: the engine's matcher is built anew on every call, and
	// a broadcast's contacts share a few
	found map[[2]string]*core.TemplateTranslation
}

// render is the message a contact gets on a channel: its content (the translation's preview), templating and
// locale; nil when the template has no translation on the channel. vars are the msg's variables evaluated for
// the contact.
func (wt *whatsAppTemplate) render(ch *core.Channel, contactLocale, defaultLocale i18n.Locale, vars []string, attachments []string) (*core.MsgContent, *core.MsgTemplating, i18n.Locale) {
	locales := make([]i18n.Locale, 0, 3)
	for _, l := range []i18n.Locale{wt.locale, contactLocale, defaultLocale} {
		if l != "" {
			locales = append(locales, l)
		}
	}
	key := [2]string{string(ch.UUID()), string(contactLocale)}
	tt, seen := wt.found[key]
	if !seen {
		tt = wt.engine.FindTranslation(ch, locales)
		if wt.found == nil {
			wt.found = map[[2]string]*core.TemplateTranslation{}
		}
		wt.found[key] = tt
	}
	if tt == nil {
		return nil, nil, ""
	}
	values := make([]string, len(tt.Variables()))
	media := ""
	for _, a := range attachments {
		if ct, _, _ := strings.Cut(a, ":"); strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "video/") || strings.HasPrefix(ct, "application/") {
			media = a
			break
		}
	}
	body := 0
	for _, comp := range tt.Components() {
		switch comp.Type() {
		case "body/text":
			for _, idx := range byNumber(comp.Variables()) {
				if body < len(vars) && idx >= 0 && idx < len(values) { // indexes come from Meta's items: never trusted
					values[idx] = vars[body]
				}
				body++
			}
		case "header/media":
			for _, idx := range comp.Variables() {
				if idx >= 0 && idx < len(values) {
					values[idx] = media
				}
			}
		}
	}
	templating := wt.engine.Templating(tt, values)
	content := tt.Preview(templating.Variables)
	return content, templating, tt.Locale()
}

// byNumber are a component's variable indexes in the order of their names ("1", "2", … "10").
func byNumber(vars map[string]int) []int {
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		a, errA := strconv.Atoi(names[i])
		b, errB := strconv.Atoi(names[j])
		if errA != nil || errB != nil {
			return names[i] < names[j]
		}
		return a < b
	})
	out := make([]int, len(names))
	for i, n := range names {
		out[i] = vars[n]
	}
	return out
}
