package flows

import (
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/goflow/utils"
)

// nameTokenLength is how much of each word of a name a "name ~" search matches on, as in the engine.
const nameTokenLength = 8

// NameTokens gives the words a name can be found by with "name ~ x": the engine's word segmentation,
// words of at least two characters, lowercased and cut to eight characters.
func NameTokens(name string) []string {
	var tokens []string
	for _, t := range utils.TokenizeStringByUnicodeSeg(strings.ToLower(name)) {
		if len(t) < 2 {
			continue
		}
		if utf8.RuneCountInString(t) > nameTokenLength {
			t = string([]rune(t)[:nameTokenLength])
		}
		tokens = append(tokens, t)
	}
	return tokens
}
