package api

import (
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/flowsd/flowsd/models"
)

// Broadcast limits: RapidPro's, and Weni's larger lists of contacts and URNs.
const (
	maxBroadcastText           = 4096
	maxBroadcastRecipients     = 100
	maxWeniBroadcastRecipients = 1000
	maxWeniBroadcastText       = 1500 // Weni's MSG_FIELD_SIZE
)

// postBroadcast makes a broadcast, written pending with its contacts and groups in one transaction; broadcast
// workers resolve it and make its messages once it commits.
func postBroadcast(c *Ctx) error {
	in, err := c.body()
	if err != nil {
		return err
	}
	read := readBroadcast
	if c.weni() {
		read = readWeniBroadcast
	}
	spec, v, err := read(c, in)
	if err != nil {
		return err
	}
	if v.failed() {
		return errValidation(v)
	}
	return createBroadcast(c, spec, c.store().Broadcasts(c.ws().ID), convertBroadcast)
}

// createBroadcast makes the broadcast and answers 201 with it as the listing q reads it, converted.
func createBroadcast(c *Ctx, spec models.BroadcastSpec, q *models.BroadcastQuery, convert func(*Ctx, *models.BroadcastListing) any) error {
	ctx := c.Request().Context()
	b, err := c.store().CreateBroadcast(ctx, c.ws(), spec)
	if err != nil {
		return err
	}
	listed, err := q.WithID(b.ID).First(ctx)
	if err != nil {
		return err
	}
	if listed == nil {
		return fmt.Errorf("broadcast %d not found after creating it", b.ID)
	}
	// the answer is the broadcast as made: workers woken by the commit may have moved it on already
	listed.Status, listed.ContactCount, listed.MsgCount = b.Status, b.ContactCount, 0
	return c.respond(http.StatusCreated, convert(c, listed))
}

// readBroadcast reads a broadcast's body as RapidPro's BroadcastWriteSerializer does: fields in its order,
// then the checks across fields once every field is valid.
func readBroadcast(c *Ctx, in *input) (models.BroadcastSpec, *validation, error) {
	v := &validation{}
	spec := models.BroadcastSpec{CreatedByID: &c.principal.User.ID}
	recipients, err := readBroadcastRecipients(c, in, v, &spec, maxBroadcastRecipients, maxBroadcastRecipients)
	if err != nil {
		return spec, nil, err
	}
	isString := func(raw any) bool { _, ok := raw.(string); return ok }
	isList := func(raw any) bool { _, ok := raw.([]any); return ok }
	text, _, _, err := readTranslated(c, in, v, "text", isString, translatedText(maxBroadcastText))
	if err != nil {
		return spec, nil, err
	}
	attachments, _, _, err := readTranslated(c, in, v, "attachments", isList, translatedAttachments(c))
	if err != nil {
		return spec, nil, err
	}
	quickReplies, _, _, err := readTranslated(c, in, v, "quick_replies", isList, translatedQuickReplies)
	if err != nil {
		return spec, nil, err
	}
	// a LanguageField: its length checked before its language, both reported
	base, _, _ := in.char(v, "base_language", charField{validators: []func(string) []string{maxChars(3), languageValidator}})
	if v.failed() {
		return spec, v, nil
	}

	switch {
	case text == nil && attachments == nil:
		v.add(nonFieldErrors, "Must provide either text or attachments.")
	case !recipients:
		v.add(nonFieldErrors, "Must provide either urns, contacts or groups.")
	case base != nil && (text == nil || !text.has(*base)):
		v.add(nonFieldErrors, "No text translation provided in base language.")
	case base != nil && attachments != nil && !attachments.has(*base):
		v.add(nonFieldErrors, "No attachment translations provided in base language.")
	case base != nil && quickReplies != nil && !quickReplies.has(*base):
		v.add(nonFieldErrors, "No quick_replies translations provided in base language.")
	}
	if v.failed() {
		return spec, v, nil
	}

	// text, attachments and quick replies merge into one translation per language, in the order given
	translations := newJSONObject()
	add := func(t *translated, key string) {
		if t == nil {
			return
		}
		for _, lang := range t.langs {
			entry, ok := translations.get(lang)
			if !ok {
				entry = newJSONObject()
				translations.set(lang, entry)
			}
			entry.(*jsonObject).set(key, t.values[lang])
		}
	}
	add(text, "text")
	add(attachments, "attachments")
	add(quickReplies, "quick_replies")
	spec.BaseLanguage = translations.keys[0]
	if base != nil {
		spec.BaseLanguage = *base
	}
	encoded, err := encodeJSON(translations, 0, false)
	if err != nil {
		return spec, nil, err
	}
	spec.Translations = string(encoded)
	return spec, v, nil
}

// readWeniBroadcast reads a broadcast as Weni's serializer does: text is required and is all there is, and its
// lists of contacts and URNs are longer.
func readWeniBroadcast(c *Ctx, in *input) (models.BroadcastSpec, *validation, error) {
	v := &validation{}
	spec := models.BroadcastSpec{CreatedByID: &c.principal.User.ID}
	recipients, err := readBroadcastRecipients(c, in, v, &spec, maxWeniBroadcastRecipients, maxBroadcastRecipients)
	if err != nil {
		return spec, nil, err
	}
	base := defaultLanguage(c)
	if len(c.ws().Languages) == 0 {
		base = "base"
	}
	translations := newJSONObject()
	raw, present := in.values["text"]
	if in.form {
		raw = lastFormValue(raw)
	}
	switch t := raw.(type) {
	case nil:
		if present {
			v.add("text", "This field may not be null.")
		} else {
			v.add("text", "This field is required.")
		}
	case string:
		translations.set(base, t)
	case map[string]any:
		obj, _ := orderedBodyValue(in, "text", t).(*jsonObject)
		if obj == nil || obj.len() == 0 {
			v.add("text", "Must include at least one translation.")
			break
		}
		for _, lang := range obj.keys {
			value, isString := obj.vals[lang].(string)
			switch {
			case lang != "base" && !validLanguage(lang):
				v.add("text", fmt.Sprintf("Language code %s is not valid.", lang))
			case !isString:
				v.add("text", "Translations must be strings.")
			default:
				translations.set(lang, value)
			}
		}
		if _, ok := obj.get(base); !v.failed() && !ok {
			v.add("text", fmt.Sprintf("Must include translation for base language '%s'", base))
		}
	default:
		v.add("text", "Value must be a string or dict of strings.")
	}
	for _, lang := range translations.keys {
		if s, _ := translations.get(lang); len([]rune(s.(string))) > maxWeniBroadcastText {
			v.add("text", fmt.Sprintf("Ensure translations have no more than %d characters.", maxWeniBroadcastText))
			break
		}
	}
	if !v.failed() && !recipients {
		v.add(nonFieldErrors, "Must provide either urns, contacts or groups")
	}
	if v.failed() {
		return spec, v, nil
	}
	stored := newJSONObject()
	for _, lang := range translations.keys {
		text, _ := translations.get(lang)
		stored.set(lang, &jsonObject{keys: []string{"text"}, vals: map[string]any{"text": text}})
	}
	encoded, err := encodeJSON(stored, 0, false)
	if err != nil {
		return spec, nil, err
	}
	spec.Translations, spec.BaseLanguage = string(encoded), base
	return spec, v, nil
}

// readBroadcastRecipients reads a broadcast's urns, contacts and groups (in its serializer's order), at most
// maxListed URNs and contacts and maxGroups groups; it answers whether any was given.
func readBroadcastRecipients(c *Ctx, in *input, v *validation, spec *models.BroadcastSpec, maxListed, maxGroups int) (bool, error) {
	r, err := readRecipients(c, in, v, []string{"urns", "contacts", "groups"},
		map[string]int{"urns": maxListed, "contacts": maxListed, "groups": maxGroups})
	if err != nil {
		return false, err
	}
	spec.ContactIDs, spec.GroupIDs, spec.URNs = r.contactIDs, r.groupIDs, r.urns
	return r.given, nil
}

// maxChars is DRF's MaxLengthValidator, for fields whose validators run in an order of their own.
func maxChars(n int) func(string) []string {
	return func(s string) []string {
		if utf8.RuneCountInString(s) > n {
			return []string{fmt.Sprintf("Ensure this field has no more than %d characters.", n)}
		}
		return nil
	}
}

// languageValidator checks a language field as RapidPro's LanguageField does.
func languageValidator(s string) []string {
	if !validLanguage(s) {
		return []string{"Not an allowed ISO 639-3 language code."}
	}
	return nil
}
