package api

import (
	"errors"
	"fmt"
	"strings"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
)

// A whatsapp_broadcasts msg's template ({uuid | name, variables, locale}) is looked up in the workspace only
// (Weni looks UUIDs up across orgs; flowsd never does), by name only with a channel, and must have an approved
// translation (on the channel, when one is given). Its variables are Weni's flat list: the body's, in order,
// so there must be as many as the body has; a media header takes the msg's first image, video or document; its
// buttons' parameters are the msg's buttons (whatsapp_template_buttons.go).
// The template is stored normalised as Weni stores it ({uuid, name, variables, locale}), so the broadcast work
// finds it by UUID.

// readWhatsAppTemplate checks a msg's template and normalises it in the msg; what is wrong goes in v.
func readWhatsAppTemplate(c *Ctx, v *validation, msg *jsonObject, raw any, channel *models.Channel) error {
	t, _ := raw.(*jsonObject)
	if t == nil {
		v.add("msg", "Template must be an object.")
		return nil
	}
	ctx, wsID := c.Request().Context(), c.ws().ID
	var found *models.TemplateWithTranslations
	var err error
	uuid, _ := t.get("uuid")
	name, _ := t.get("name")
	switch {
	case objHas(t, "uuid"):
		s, ok := uuid.(string)
		if !ok || s == "" {
			v.add("msg", fmt.Sprintf("Template with UUID %v not found.", pyValue(uuid)))
			return nil
		}
		found, err = c.store().GetTemplate(ctx, wsID, s)
	case objHas(t, "name") && channel == nil:
		v.add("msg", "A template by name requires a channel.")
		return nil
	case objHas(t, "name"):
		s, ok := name.(string)
		if !ok || s == "" {
			v.add("msg", fmt.Sprintf("Template with name %v not found.", pyValue(name)))
			return nil
		}
		found, err = c.store().GetTemplateByName(ctx, wsID, s)
	default:
		v.add("msg", "Template must have a uuid or a name.")
		return nil
	}
	switch {
	case errors.Is(err, models.ErrNotFound) && objHas(t, "uuid"):
		v.add("msg", fmt.Sprintf("Template with UUID %v not found.", uuid))
		return nil
	case errors.Is(err, models.ErrNotFound):
		v.add("msg", fmt.Sprintf("Template with name %v not found.", name))
		return nil
	case err != nil:
		return err
	}

	var variables []string
	if rawVars, ok := t.get("variables"); ok && rawVars != nil {
		list, isList := rawVars.([]any)
		for _, item := range list {
			s, isString := item.(string)
			if !isString {
				isList = false
				break
			}
			variables = append(variables, s)
		}
		if !isList {
			v.add("msg", "Template variables must be a list of strings.")
			return nil
		}
	}
	locale := ""
	if rawLocale, ok := t.get("locale"); ok && rawLocale != nil {
		s, isString := rawLocale.(string)
		if _, err := flows.ParseBCP47(s); !isString || err != nil {
			v.add("msg", fmt.Sprintf("Template locale %v is not a valid BCP47 locale.", pyValue(rawLocale)))
			return nil
		}
		locale = s
	}

	var channelID int64
	if channel != nil {
		channelID = channel.ID
	}
	usable := found.UsableOn(channelID)
	switch {
	case len(usable) == 0 && channel != nil:
		v.add("msg", fmt.Sprintf("Template %s has no approved translation on this channel.", found.Name))
		return nil
	case len(usable) == 0:
		v.add("msg", fmt.Sprintf("Template %s has no approved translation.", found.Name))
		return nil
	}
	needs := flows.NeedsOf(&usable[0].TemplateTranslation) // compatible translations have the same variables
	if len(variables) != needs.BodyVariables {
		noun := plural(needs.BodyVariables, "variable", "variables")
		v.add("msg", fmt.Sprintf("Template %s needs %d %s, got %d.", found.Name, needs.BodyVariables, noun, len(variables)))
		return nil
	}
	if needs.HeaderMedia && !hasMediaAttachment(msg) {
		v.add("msg", fmt.Sprintf("Template %s needs an image, video or document attachment for its header.", found.Name))
		return nil
	}
	readTemplateButtons(v, msg, found.Name, needs.Buttons)
	if v.failed() {
		return nil
	}

	normalised := newJSONObject()
	normalised.set("uuid", found.UUID)
	normalised.set("name", found.Name)
	vars := make([]any, len(variables))
	for i, s := range variables {
		vars[i] = s
	}
	normalised.set("variables", vars)
	if locale != "" {
		normalised.set("locale", locale)
	}
	msg.set("template", normalised)
	return nil
}

// hasMediaAttachment is whether a msg has an image, video or document attachment.
func hasMediaAttachment(msg *jsonObject) bool {
	atts, _ := msg.get("attachments")
	list, _ := atts.([]any)
	for _, a := range list {
		s, _ := a.(string)
		ct, _, _ := strings.Cut(s, ":")
		if strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "video/") || strings.HasPrefix(ct, "application/") {
			return true
		}
	}
	return false
}

// pyValue is a JSON value as Weni's messages print it (None for null).
func pyValue(x any) any {
	if x == nil {
		return "None"
	}
	return x
}
