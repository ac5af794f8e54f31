package channels

import (
	"strings"
	"unicode/utf8"
)

// SplitText is courier's splitting, in bytes: text that fits in max bytes is one part, as it is. Otherwise runes
// are added to a part until it is exactly max bytes long, or more than max-6 bytes long with a space just added;
// each part, and what remains at the end, is trimmed of white space. A rune that jumps over max keeps the part
// growing until the next space, and a remainder of spaces gives an empty last part, as in courier.
func SplitText(text string, max int) []string {
	if len(text) <= max {
		return []string{text}
	}
	var parts []string
	var part []byte
	for _, r := range text {
		part = utf8.AppendRune(part, r)
		if len(part) == max || (len(part) > max-6 && r == ' ') {
			parts = append(parts, strings.TrimSpace(string(part)))
			part = part[:0]
		}
	}
	if len(part) > 0 {
		parts = append(parts, strings.TrimSpace(string(part)))
	}
	return parts
}
