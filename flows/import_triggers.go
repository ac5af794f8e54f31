package flows

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/flowsd/flowsd/models"
)

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
	case code == "T":
		t.Type = models.TriggerClosedTicket
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
