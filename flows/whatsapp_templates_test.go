package flows

import (
	"reflect"
	"slices"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/i18n"
)

// TestWhatsAppTemplateParts: a msg's BCP47 locale read as RapidPro's; a translation's needs counted from its
// components (buttons in order, with their kind); a component's variables taken in the numeric order of their names.
func TestWhatsAppTemplateParts(t *testing.T) {
	for code, want := range map[string]i18n.Locale{"pt-BR": "por-BR", "pt": "por", "en-US": "eng-US", "es-419": "spa"} {
		if got, err := ParseBCP47(code); err != nil || got != want {
			t.Errorf("ParseBCP47(%q) = %q, %v; want %q", code, got, err, want)
		}
	}
	for _, bad := range []string{"", "not a locale", "xx-notalocale-really"} {
		if _, err := ParseBCP47(bad); err == nil {
			t.Errorf("ParseBCP47(%q) read", bad)
		}
	}
	tr := &models.TemplateTranslation{Components: `[{"name":"header","type":"header/media","content":"","variables":{"1":0}},
		{"name":"body","type":"body/text","content":"{{1}} {{2}}","variables":{"1":1,"2":2}},
		{"name":"button.0","type":"button/url","content":"https://x/{{1}}","variables":{"1":3}},
		{"name":"button.1","type":"button/quick_reply","content":"Stop","variables":{}}]`}
	want := TemplateNeeds{BodyVariables: 2, HeaderMedia: true, Buttons: []ButtonNeeds{{SubType: "url", Variables: 1}, {SubType: "quick_reply"}}}
	if got := NeedsOf(tr); !reflect.DeepEqual(got, want) {
		t.Errorf("NeedsOf = %+v", got)
	}
	if got := byNumber(map[string]int{"10": 0, "2": 1, "1": 2}); !slices.Equal(got, []int{2, 1, 0}) {
		t.Errorf("byNumber = %v", got)
	}
}
