package flows

import (
	"encoding/json"
	"fmt"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/assets/static"
	"github.com/nyaruka/goflow/core"
)

// Message templates as the engine sees them, and the templating an outgoing message's row keeps.

// engineTemplate is a template as a goflow asset: its usable translations, each on its channel in its locale,
// with the components and variables stored as goflow's own JSON.
func engineTemplate(t *models.TemplateWithTranslations) (assets.Template, error) {
	trs := make([]*static.TemplateTranslation, 0, len(t.Translations))
	for _, tr := range t.Translations {
		var comps []*static.TemplateComponent
		var vars []*static.TemplateVariable
		if err := json.Unmarshal([]byte(tr.Components), &comps); err != nil {
			return nil, fmt.Errorf("template %s's components: %w", t.UUID, err)
		}
		if err := json.Unmarshal([]byte(tr.Variables), &vars); err != nil {
			return nil, fmt.Errorf("template %s's variables: %w", t.UUID, err)
		}
		ch := assets.NewChannelReference(assets.ChannelUUID(tr.Channel.UUID), tr.Channel.Name)
		trs = append(trs, static.NewTemplateTranslation(ch, i18n.Locale(tr.Locale), comps, vars))
	}
	return static.NewTemplate(assets.TemplateUUID(t.UUID), t.Name, trs), nil
}

// Translation is the translation of one of the workspace's usable templates that a message on a channel in a
// locale was made from: the one in that locale, else (the engine's own fallback) the channel's first; nil when
// the template or the channel has none.
func (a *Assets) Translation(uuid assets.TemplateUUID, ch *models.Channel, locale i18n.Locale) *models.TranslationOnChannel {
	t := a.templates[uuid]
	if t == nil || ch == nil {
		return nil
	}
	var first *models.TranslationOnChannel
	for i := range t.Translations {
		tr := &t.Translations[i]
		if tr.ChannelID != ch.ID {
			continue
		}
		if tr.Locale == string(locale) {
			return tr
		}
		if first == nil {
			first = tr
		}
	}
	return first
}

// Templating is the templating a message's row keeps (models.MsgTemplating): the engine's, with what the sender
// needs of the translation it was made from (Meta's language code, namespace, external id). nil without one.
func (a *Assets) Templating(t *core.MsgTemplating, ch *models.Channel, locale i18n.Locale) *models.MsgTemplating {
	if t == nil || t.Template == nil {
		return nil
	}
	out := &models.MsgTemplating{Template: models.TemplatingRef{UUID: string(t.Template.UUID), Name: t.Template.Name}, Locale: string(locale)}
	for _, c := range t.Components {
		out.Components = append(out.Components, models.TemplatingComponent{Name: c.Name, Type: c.Type, Variables: c.Variables})
	}
	for _, v := range t.Variables {
		out.Variables = append(out.Variables, models.TemplatingVariable{Type: v.Type, Value: v.Value})
	}
	if tr := a.Translation(t.Template.UUID, ch, locale); tr != nil {
		out.Locale, out.Language, out.Namespace, out.ExternalID = tr.Locale, tr.ExternalLocale, tr.Namespace, tr.ExternalID
	}
	return out
}
