package flows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/flowsd/flowsd/models"
)

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
	e.RelativeTo = models.FieldRef{Key: rel.Key, Name: rel.Label}
	if e.RelativeTo.Name == "" {
		e.RelativeTo.Name = rel.Name
	}

	if mode, present := it.str("start_mode"); present && mode != "" {
		if mode != models.StartInterrupt && mode != models.StartSkip && mode != models.StartPassive {
			return nil, importError("%s has the start mode %q: it must be I, S or P.", what, mode)
		}
		e.StartMode = mode
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
