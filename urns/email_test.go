package urns

import (
	"strings"
	"testing"
)

func TestValidEmail(t *testing.T) {
	valid := []string{
		"bob@nyaruka.com",
		"bob.smith+tag@mail.nyaruka.com",
		"!#$%&'*+/=?^_`{}|~-@example.com",
		`"bob\ smith"@example.com`, // a quoted local part, where a space must be escaped
		`"bob@home"@example.com`,
		`"a\"b"@example.com`,
		"bob@localhost",
		"bob@a.co",
		"bob@xn--mnchen-3ya.de",
		"bob@münchen.de", // checked as xn--mnchen-3ya.de
		"bob@例え.テスト",
		"bob@παράδειγμα.δοκιμή",
		"bob@[127.0.0.1]",
		"bob@[::1]",
		"bob@[2001:db8::1]",
		"bob@" + strings.Repeat("a", 63) + ".com",
		"bob@example." + strings.Repeat("a", 63),
		"ſ@example.com", // Python's case-insensitive [A-Z] takes ſ, K and ı
		"ı@example.com",
	}
	for _, s := range valid {
		if !validEmail(s) {
			t.Errorf("validEmail(%q) = false, want true", s)
		}
	}

	invalid := []string{
		"",
		"bob",
		"bob@",
		"@example.com",
		"bob@example",
		"bob@example.c",
		"bob@example.com.",
		"bob@.example.com",
		"bob@example..com",
		"bob@-example.com",
		"bob@example-.com",
		"bob@example.com-",
		"bob@exa_mple.com",
		"bob smith@example.com",
		`"bob smith"@example.com`,
		"bob.@example.com",
		".bob@example.com",
		"bob..smith@example.com",
		"bob@@example.com",
		"bob@example.com@",
		`"bob@example.com`,
		"bøb@example.com",
		"bob@" + strings.Repeat("a", 64) + ".com",
		"bob@example." + strings.Repeat("a", 64),
		"bob@[999.1.1.1]",
		"bob@[01.2.3.4]",
		"bob@[::g]",
		"bob@[127.0.0.1",
		"bob@münchen.de.",
		"bob@mün chen.de",
		"bob@xn--münchen.de",
		strings.Repeat("a", 310) + "@example.com", // longer than 320
	}
	for _, s := range invalid {
		if validEmail(s) {
			t.Errorf("validEmail(%q) = true, want false", s)
		}
	}
}

func TestPunycode(t *testing.T) {
	for in, want := range map[string]string{
		"münchen":    "mnchen-3ya",
		"bücher":     "bcher-kva",
		"ü":          "tda",
		"例え":         "r8jz45g",
		"テスト":        "zckzah",
		"παράδειγμα": "hxajbheg2az3al",
		"δοκιμή":     "jxalpdlp",
	} {
		if got, ok := punycode(in); !ok || got != want {
			t.Errorf("punycode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
