package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// CleanName makes a name from an export fit for a workspace, as RapidPro's clean_name does: trimmed, at most
// maxLen characters, double quotes made single and backslashes slashes, null characters dropped.
func CleanName(name string, maxLen int) string {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxLen {
		name = string([]rune(name)[:maxLen])
	}
	name = strings.TrimSpace(name)
	return strings.NewReplacer(`"`, `'`, `\`, `/`, "\x00", "").Replace(name)
}

// uniqueName is name, or name with " 2", " 3"… (shortened to fit maxLen) when another object has it.
func uniqueName(name string, maxLen int, taken func(string) bool) string {
	candidate := name
	for n := 2; taken(candidate); n++ {
		suffix := fmt.Sprintf(" %d", n)
		base := []rune(name)
		if keep := maxLen - len(suffix); len(base) > keep {
			base = base[:max(keep, 0)]
		}
		candidate = string(base) + suffix
	}
	return candidate
}

// rewriteDefinition replaces every string in a flow definition that is a key of mapping (the UUIDs of groups,
// labels and topics that got other UUIDs in the workspace) and sets top-level properties.
func rewriteDefinition(definition string, mapping map[string]string, set map[string]any) (string, error) {
	dec := json.NewDecoder(strings.NewReader(definition))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return "", err
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case string:
			if to, ok := mapping[t]; ok {
				return to
			}
		case map[string]any:
			for k, x := range t {
				t[k] = walk(x)
			}
		case []any:
			for i, x := range t {
				t[i] = walk(x)
			}
		}
		return v
	}
	if len(mapping) > 0 {
		walk(root)
	}
	for k, v := range set {
		root[k] = v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
