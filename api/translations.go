package api

import (
	"fmt"

	"github.com/nyaruka/gocommon/i18n"
)

// Translatable input (a broadcast's text, attachments and quick replies) is a plain value, taken as the
// workspace's default language, or an object of values by ISO 639-3 code: RapidPro's TranslatedField.

// maxTranslations is how many languages a translated field may have.
const maxTranslations = 50

// translated is a translated field's values by language, in the order they were given.
type translated struct {
	langs  []string
	values map[string]any
}

func (t *translated) has(lang string) bool { _, ok := t.values[lang]; return ok }

// defaultLanguage is the language a plain value is taken as: the workspace's first, as RapidPro's
// flow_languages[0]; English when it has none.
func defaultLanguage(c *Ctx) string {
	if langs := c.ws().Languages; len(langs) > 0 {
		return langs[0]
	}
	return "eng"
}

// readTranslated reads a translated field. plain says whether a raw value is one translation (a string for
// text, a list for attachments) rather than the object of them; child checks and converts each translation,
// answering its error. ok is false when the field failed; present when it was given.
func readTranslated(c *Ctx, in *input, v *validation, name string, plain func(raw any) bool, child translationReader) (t *translated, present, ok bool, err error) {
	raw, present := in.values[name]
	if !present {
		return nil, false, true, nil
	}
	if in.form {
		raw = lastFormValue(raw)
	}
	t = &translated{values: map[string]any{}}
	if plain(raw) {
		lang := defaultLanguage(c)
		raw = &jsonObject{keys: []string{lang}, vals: map[string]any{lang: raw}}
	} else if _, isObject := raw.(map[string]any); isObject {
		raw = orderedBodyValue(in, name, raw)
	}
	obj, isObject := raw.(*jsonObject)
	switch {
	case raw == nil:
		v.add(name, "This field may not be null.")
		return nil, true, false, nil
	case !isObject:
		v.add(name, fmt.Sprintf("Expected a dictionary of items but got type %q.", pythonType(raw)))
		return nil, true, false, nil
	case obj.len() == 0:
		v.add(name, "This dictionary may not be empty.")
		return nil, true, false, nil
	}
	errs := &keyedErrors{}
	for _, lang := range obj.keys {
		value, fe, err := child(plainValue(obj.vals[lang]))
		if err != nil {
			return nil, true, false, err
		}
		if fe != nil {
			errs.set(lang, fe)
			continue
		}
		t.langs = append(t.langs, lang)
		t.values[lang] = value
	}
	if !errs.empty() {
		v.addNested(name, errs)
		return nil, true, false, nil
	}
	// the dict's own checks come after its values', as DRF runs validators on what the field made
	if obj.len() > maxTranslations {
		v.add(name, fmt.Sprintf("Ensure this field has no more than %d elements.", maxTranslations))
		return nil, true, false, nil
	}
	for _, lang := range obj.keys {
		if !validLanguage(lang) {
			errs.add(lang, "Not an allowed ISO 639-3 language code.")
		}
	}
	if !errs.empty() {
		v.addNested(name, errs)
		return nil, true, false, nil
	}
	return t, true, true, nil
}

// translationReader checks and converts one translation of a translated field.
type translationReader func(raw any) (any, *fieldError, error)

// validLanguage is whether code is an ISO 639-3 language, as RapidPro's language list has them.
func validLanguage(code string) bool {
	if len(code) != 3 {
		return false
	}
	_, err := i18n.ParseLanguage(code)
	return err == nil
}

// plainValue turns ordered objects inside a value back into maps, for checks that read plain JSON values.
func plainValue(raw any) any {
	switch t := raw.(type) {
	case *jsonObject:
		m := make(map[string]any, t.len())
		for _, k := range t.keys {
			m[k] = plainValue(t.vals[k])
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = plainValue(item)
		}
		return out
	}
	return raw
}

// translatedText checks one translation of a text as a DRF CharField of at most maxLen characters.
func translatedText(maxLen int) translationReader {
	return func(raw any) (any, *fieldError, error) {
		s, msgs := checkChar(raw, charField{maxLen: maxLen})
		if len(msgs) > 0 {
			return nil, &fieldError{msgs: msgs}, nil
		}
		return s, nil, nil
	}
}

// translatedAttachments checks one translation of attachments: media of the workspace, at most 10.
func translatedAttachments(c *Ctx) translationReader {
	return func(raw any) (any, *fieldError, error) {
		atts, fe, err := resolveAttachments(c, raw, false)
		return atts, fe, err
	}
}

// translatedQuickReplies checks one translation of quick replies, at most 10.
func translatedQuickReplies(raw any) (any, *fieldError, error) {
	qrs, fe := readQuickReplies(raw, false)
	return qrs, fe, nil
}

// checkChar checks a value that is not a field of its own (an item, a translation) as a charField would.
func checkChar(raw any, f charField) (any, []string) {
	scratch := &validation{}
	s, _, ok := (&input{values: map[string]any{"": raw}}).char(scratch, "", f)
	if !ok {
		return nil, scratch.errs[""]
	}
	return *s, nil
}
