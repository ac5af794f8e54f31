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

// TemplateNeeds is what a translation asks of a msg: how many body variables, whether a header wants media,
// and its buttons in order (button.0, button.1…).
type TemplateNeeds struct {
	BodyVariables int
	HeaderMedia   bool
	Buttons       []ButtonNeeds
}

// ButtonNeeds is a template button: its kind (quick_reply, url, phone_number…, Weni's sub_type) and how many
// variables it has (a URL's {{1}}; a quick reply has none, its payload is optional).
type ButtonNeeds struct {
	SubType   string
	Variables int
}

// NeedsOf reads a stored translation's needs (compatible translations share them).
func NeedsOf(tr *models.TemplateTranslation) TemplateNeeds {
	var comps []models.TemplateComponent
	_ = json.Unmarshal([]byte(tr.Components), &comps)
	n := TemplateNeeds{}
	for _, c := range comps {
		switch {
		case c.Type == "body/text":
			n.BodyVariables += len(c.Variables)
		case c.Type == "header/media":
			n.HeaderMedia = n.HeaderMedia || len(c.Variables) > 0
		case strings.HasPrefix(c.Type, "button/"):
			n.Buttons = append(n.Buttons, ButtonNeeds{SubType: strings.TrimPrefix(c.Type, "button/"), Variables: len(c.Variables)})
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

// whatsAppButton is a template button's parameters, as the API normalised the msg's buttons (Weni's shape).
type whatsAppButton struct {
	SubType    string `json:"sub_type"`
	Parameters []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"parameters"`
}

// whatsAppTemplate is a W broadcast's template ready to render per contact: the engine's (the workspace's
// usable templates are among its assets), the msg's variables (expressions) and locale.
type whatsAppTemplate struct {
	engine    *core.Template
	variables []string
	buttons   []whatsAppButton // the msg's, button i the template's i-th (expressions)
	locale    i18n.Locale      // the msg's, tried first ("" when none)

	// translations found, by channel and contact locale: the engine's matcher is built anew on every call, and
	// a broadcast's contacts share a few
	found map[[2]string]*core.TemplateTranslation
}

// render is the message a contact gets on a channel: its content (the translation's preview), templating and
// locale; nil when the template has no translation on the channel. vars are the msg's variables evaluated for
// the contact, buttons its buttons' parameters (button i the translation's i-th).
func (wt *whatsAppTemplate) render(ch *core.Channel, contactLocale, defaultLocale i18n.Locale, vars []string, buttons [][]string, attachments []string) (*core.MsgContent, *core.MsgTemplating, i18n.Locale) {
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
	body, button := 0, 0
	for _, comp := range tt.Components() {
		switch {
		case comp.Type() == "body/text":
			for _, idx := range byNumber(comp.Variables()) {
				if body < len(vars) && idx >= 0 && idx < len(values) { // indexes come from Meta's items: never trusted
					values[idx] = vars[body]
				}
				body++
			}
		case comp.Type() == "header/media":
			for _, idx := range comp.Variables() {
				if idx >= 0 && idx < len(values) {
					values[idx] = media
				}
			}
		case strings.HasPrefix(comp.Type(), "button/"):
			for k, idx := range byNumber(comp.Variables()) {
				if button < len(buttons) && k < len(buttons[button]) && idx >= 0 && idx < len(values) {
					values[idx] = buttons[button][k]
				}
			}
			button++
		}
	}
	templating := wt.engine.Templating(tt, values)
	content := tt.Preview(templating.Variables)
	withPayloads(tt, templating, buttons)
	return content, templating, tt.Locale()
}

// withPayloads adds to a templating the quick replies given a payload: a quick reply has no variable in the
// template, so the engine's templating leaves it out, but Graph takes its payload as a parameter. Each becomes a
// button/quick_reply component with one variable, the payload, appended to the variables, the components kept
// in the translation's order (the sender sends them in that order).
func withPayloads(tt *core.TemplateTranslation, templating *core.MsgTemplating, buttons [][]string) {
	byName := map[string]*core.TemplatingComponent{}
	for _, c := range templating.Components {
		byName[c.Name] = c
	}
	var comps []*core.TemplatingComponent
	added, button := false, 0
	for _, comp := range tt.Components() {
		if c := byName[comp.Name()]; c != nil {
			comps = append(comps, c)
		}
		if !strings.HasPrefix(comp.Type(), "button/") {
			continue
		}
		if comp.Type() == "button/quick_reply" && len(comp.Variables()) == 0 && button < len(buttons) && len(buttons[button]) > 0 && buttons[button][0] != "" {
			comps = append(comps, &core.TemplatingComponent{Name: comp.Name(), Type: comp.Type(), Variables: map[string]int{"1": len(templating.Variables)}})
			templating.Variables = append(templating.Variables, &core.TemplatingVariable{Type: "text", Value: buttons[button][0]})
			added = true
		}
		button++
	}
	if added {
		templating.Components = comps
	}
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
