package channels

import (
	"reflect"
	"testing"
)

func TestSplitText(t *testing.T) {
	tests := []struct {
		text string
		max  int
		want []string
	}{
		{"", 160, []string{""}},
		{" fits ", 10, []string{" fits "}}, // one part is not trimmed
		{"This is a long message that will be longer than 30....... characters", 30,
			[]string{"This is a long message that", "will be longer than 30.......", "characters"}},
		{"abcdefghijkl", 5, []string{"abcde", "fghij", "kl"}},
		{"ab cd ef gh ij", 8, []string{"ab", "cd", "ef", "gh", "ij"}}, // cut at a space once past max-6
		{"éééééé", 9, []string{"éééééé"}},
		{"abcdefghij ", 10, []string{"abcdefghij", ""}},
	}
	for _, tc := range tests {
		if got := SplitText(tc.text, tc.max); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitText(%q, %d) = %q, want %q", tc.text, tc.max, got, tc.want)
		}
	}
}
