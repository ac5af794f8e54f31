package urns

import (
	"errors"
	"strings"
	"testing"

	gurns "github.com/nyaruka/gocommon/urns"
)

// invalid is the write error RapidPro answers for raw.
func invalid(raw string) string {
	return "Invalid URN: " + raw + ". Ensure phone numbers contain country codes."
}

func TestNormalize(t *testing.T) {
	uuid := "0b5b1b36-6b5b-4b8b-9b1b-0b5b1b366b5b"
	tests := []struct {
		raw, country string
		want         string // "" when refused
	}{
		// tel: E.164 when possible, in the workspace's country unless it looks international
		{"tel:078-8000004", "RW", "tel:+250788000004"}, // the spec's example
		{"tel:+250 788 123 123", "", "tel:+250788123123"},
		{"tel:+250 788 123 123", "US", "tel:+250788123123"},
		{"tel:0788123123", "RW", "tel:+250788123123"},
		{"tel:0788 123 123", "rw", "tel:+250788123123"}, // the country's case doesn't matter
		{"tel:(078) 812-3123", "RW", "tel:+250788123123"},
		{"tel: +250788123123 ", "RW", "tel:+250788123123"},
		{"tel:250788123123", "", "tel:+250788123123"},    // 11+ digits not starting with 0 read as international
		{"tel:+0788123123", "RW", "tel:+250788123123"},   // RapidPro stops at tel:0788123123; settled (see Normalize)
		{"tel:0788123123", "", ""},                       // a local number needs the workspace's country
		{"tel:(202) 456-1111", "US", "tel:+12024561111"}, // US
		{"tel:202.456.1111", "US", "tel:+12024561111"},
		{"tel:+1-202-456-1111", "", "tel:+12024561111"},
		{"tel:12024561111", "", "tel:+12024561111"},
		{"tel:+1 202 456 1111", "BR", "tel:+12024561111"},
		{"tel:202-456-1111", "", ""},
		{"tel:+55 11 98765-4321", "", "tel:+5511987654321"}, // BR
		{"tel:011 98765 4321", "BR", "tel:+5511987654321"},
		{"tel:5511987654321", "", "tel:+5511987654321"},
		{"tel:98765-4321", "BR", "tel:+55987654321"},
		{"tel:(11) 98765-4321", "BR", "tel:+11987654321"},  // 11 digits not starting with 0: RapidPro reads +1…
		{"tel:2.50788123123e+11", "", "tel:+250788123123"}, // Excel
		{"tel:2.50788123123E+11", "RW", "tel:+250788123123"},
		{"tel:2.5078812312e+12", "", "tel:+25078812312"},
		{"tel:1800flowers", "US", "tel:+18003569377"}, // libphonenumber reads letters as keypad digits
		{"tel:+250788123123?foo=bar#Home", "RW", "tel:+250788123123?foo=bar#Home"},
		{"tel:123", "", ""}, // too short
		{"tel:1234", "RW", ""},
		{"tel:+25078812312345678", "", ""}, // too long
		{"tel:abc", "RW", ""},
		{"tel:---", "", ""}, // nothing left
		{"tel: ", "", ""},
		{"tel:0788123123", "XX", ""},                 // an unknown country is no country
		{"tel:000000", "DE", "tel:+490000"},          // libphonenumber's +4900000 reads back as +490000: settled
		{"tel:+810000000000", "", "tel:+8100000000"}, // +81000000000, then +8100000000
		{"tel:+00000000", "RW", "tel:+25000000000"},  // RapidPro's 00000000 reads on as +250…: settled

		// twitter: lowercase, no @
		{"twitter:@Handle", "", "twitter:handle"},
		{"twitter: Nyaruka_2 ", "", "twitter:nyaruka_2"},
		{"twitter:@", "", ""},
		{"twitter:@@handle", "", ""},
		{"twitter:abcdefghijklmnop", "", ""}, // 16 characters
		{"twitter:bad-handle", "", ""},

		// twitterid: the path is kept, the display is a handle
		{"twitterid:12345#@NyaRuka", "", "twitterid:12345#nyaruka"},
		{"twitterid:12345# @Bob ", "", "twitterid:12345#bob"},
		{"twitterid:12345#@", "", "twitterid:12345"},
		{"twitterid:12345", "", "twitterid:12345"},
		{"twitterid:abc", "", ""},
		{"twitterid:12345#bad handle", "", ""},
		{"twitterid:12345#@@bob", "", ""},

		// mailto: lowercase, a valid address
		{"mailto:MiXeD@Example.COM", "", "mailto:mixed@example.com"},
		{"mailto: Bob@Nyaruka.com ", "", "mailto:bob@nyaruka.com"},
		{"mailto:bob@localhost", "", "mailto:bob@localhost"},
		{"mailto:bob@münchen.de", "", "mailto:bob@münchen.de"},
		{"mailto:bob", "", ""},
		{"mailto:bob@example", "", ""},
		{"mailto:bob smith@example.com", "", ""},
		{"mailto:bob@@example.com", "", ""},

		// whatsapp and bsuid: a BSUID's country is uppercased
		{"whatsapp:250788123123", "", "whatsapp:250788123123"},
		{"whatsapp:br.AbC123", "", "whatsapp:BR.AbC123"},
		{"whatsapp:BR.AbC123", "", "whatsapp:BR.AbC123"},
		{"whatsapp:+250788123123", "", ""},
		{"whatsapp:br.abc-123", "", ""},
		{"whatsapp:b.abc", "", ""},
		{"bsuid:us.abc123", "", "bsuid:US.abc123"},
		{"bsuid:250788123123", "", ""},

		// facebook: an integer (as Python's int() reads it) or a ref:
		{"facebook:1234567890", "", "facebook:1234567890"},
		{"facebook:ref:xyz", "", "facebook:ref:xyz"},
		{"facebook:-12", "", "facebook:-12"},
		{"facebook:1_000", "", "facebook:1_000"},
		{"facebook:abc", "", ""},
		{"facebook:1__0", "", ""},

		// telegram and instagram: digits
		{"telegram:12345", "", "telegram:12345"},
		{"telegram:abc", "", ""},
		{"telegram:-12", "", ""},
		{"instagram:12345", "", "instagram:12345"},
		{"instagram:nyaruka", "", ""},

		// viber and freshchat
		{"viber:xy5/5y6O81mKk+Z0MOZq==", "", "viber:xy5/5y6O81mKk+Z0MOZq=="},
		{"viber:a.b", "", ""},
		{"viber:" + strings.Repeat("a", 25), "", ""},
		{"freshchat:" + uuid + "/" + uuid, "", "freshchat:" + uuid + "/" + uuid},
		{"freshchat:" + uuid, "", ""},

		// everything else: anything goes, with the path trimmed
		{"ext:Anything Goes ", "", "ext:Anything Goes"},
		{"ext:a%23b", "", "ext:a%23b"},   // an escaped # is part of the path
		{"ext:100%25", "", "ext:100%25"}, // and so is an escaped %
		{"ext:a%3Fb", "", "ext:a%3Fb"},
		{"ext:a#b", "", "ext:a#b"}, // an unescaped # starts the display
		{"ext:a?x=1#b", "", "ext:a?x=1#b"},
		{"ext:a:b", "", "ext:a:b"},
		{"ext:a#b:c", "", "ext:a#b:c"},
		{"fcm:abc123", "", "fcm:abc123"},
		{"jiochat:abc", "", "jiochat:abc"},
		{"line:Uabc", "", "line:Uabc"},
		{"rocketchat:abc", "", "rocketchat:abc"},
		{"slack:U0123", "", "slack:U0123"},
		{"vk:123", "", "vk:123"},
		{"webchat:abc", "", "webchat:abc"},
		{"wechat:abc", "", "wechat:abc"},

		// not URNs
		{"", "", ""},
		{"+250788123123", "RW", ""}, // no scheme
		{"tel:", "", ""},            // empty path
		{":123", "", ""},            // empty scheme
		{"xyz:123", "", ""},         // unknown scheme
		{"TEL:+250788123123", "", ""},
		{"discord:123", "", ""}, // a Weni scheme, not ours
		{"ext:a#b#c", "", ""},   // a second display
		{"ext:a?b?c", "", ""},   // a second query
		{"ext:a#b?c", "", ""},   // a query after the display
		{"ext:%2523", "", ""},   // read differently from run to run by gocommon
		{"ext:%253F", "", ""},

		// lengths: 255 characters as given, paths of 200 (escaped), displays of 255
		{"ext:a#" + strings.Repeat("b", 249), "", "ext:a#" + strings.Repeat("b", 249)},
		{"ext:a#" + strings.Repeat("b", 250), "", ""},
		{"ext:" + strings.Repeat("a", 200), "", "ext:" + strings.Repeat("a", 200)},
		{"ext:" + strings.Repeat("a", 201), "", ""},
		{"ext:" + strings.Repeat("%23", 66) + "ab", "", "ext:" + strings.Repeat("%23", 66) + "ab"},
		{"ext:" + strings.Repeat("%23", 67), "", ""},
		{"ext:a#" + strings.Repeat("%", 200), "", ""}, // fits as given, not once escaped
	}
	for _, tc := range tests {
		got, err := Normalize(tc.raw, tc.country, false)
		if tc.want == "" {
			if err == nil {
				t.Errorf("Normalize(%q, %q) = %q, want an error", tc.raw, tc.country, got)
			} else if err.Error() != invalid(tc.raw) {
				t.Errorf("Normalize(%q, %q) error %q, want %q", tc.raw, tc.country, err, invalid(tc.raw))
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("Normalize(%q, %q) = %q, %v; want %q", tc.raw, tc.country, got, err, tc.want)
			continue
		}
		// what we give back normalizes to itself, and gocommon reads it as we wrote it
		if again, err := Normalize(string(got), tc.country, false); err != nil || again != got {
			t.Errorf("Normalize(%q, %q) = %q, %v; want it unchanged", got, tc.country, again, err)
		}
		if _, err := gurns.Parse(string(got)); err != nil {
			t.Errorf("gocommon can't parse %q: %v", got, err)
		}
	}
}

func TestNormalizeError(t *testing.T) {
	_, err := Normalize("tel:0788 123", "RW", false)
	var urnErr *Error
	if !errors.As(err, &urnErr) || urnErr.Input != "tel:0788 123" ||
		err.Error() != "Invalid URN: tel:0788 123. Ensure phone numbers contain country codes." {
		t.Errorf("Normalize error = %#v", err)
	}
}

func TestNormalizeWeni(t *testing.T) {
	tests := []struct {
		raw, country string
		want, err    string
	}{
		// a phone number without a scheme is a whatsapp number
		{"+55 (11) 98765-4321", "", "whatsapp:5511987654321", ""},
		{"5511987654321", "BR", "whatsapp:5511987654321", ""},
		{" 250-788-123-123 ", "", "whatsapp:250788123123", ""},
		{"+1234567", "", "", "Phone number must have at least 8 digits."},
		{"+1234567890123456", "", "", "Phone number cannot exceed 15 digits."},
		{"hello", "", "", invalid("hello")},
		{"BR.AbC123", "", "", invalid("BR.AbC123")},
		{"+", "", "", invalid("+")},
		{"", "", "", invalid("")},

		// phone URNs have 8 to 15 digits
		{"tel:+250788123123", "", "tel:+250788123123", ""},
		{"tel:0788123123", "RW", "tel:+250788123123", ""},
		{"tel:1234567", "", "", "Phone number must have at least 8 digits."},
		{"tel:+1234567890123456", "", "", "Phone number cannot exceed 15 digits."},
		{"tel:0788123123", "", "", invalid("tel:0788123123")}, // enough digits, still no country
		{"whatsapp:12345678", "", "whatsapp:12345678", ""},
		{"whatsapp:1234567", "", "", "Phone number must have at least 8 digits."},
		{"whatsapp:1234567890123456", "", "", "Phone number cannot exceed 15 digits."},
		{"whatsapp:br.AbC123", "", "whatsapp:BR.AbC123", ""}, // a BSUID isn't a phone number
		{"whatsapp:br.ENT.AbC123", "", "whatsapp:BR.ENT.AbC123", ""},
		{"whatsapp:BR." + strings.Repeat("a", 129), "", "whatsapp:BR." + strings.Repeat("a", 129), ""},
		{"whatsapp:BR.ent.abc", "", "", invalid("whatsapp:BR.ent.abc")},

		// the rest as in the default profile
		{"twitter:@Bob", "", "twitter:bob", ""},
		{"telegram:123", "", "telegram:123", ""},
		{"xyz:123", "", "", invalid("xyz:123")},
	}
	for _, tc := range tests {
		got, err := Normalize(tc.raw, tc.country, true)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Normalize(%q, %q, weni) = %q, %v; want error %q", tc.raw, tc.country, got, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("Normalize(%q, %q, weni) = %q, %v; want %q", tc.raw, tc.country, got, err, tc.want)
		}
	}

	// the default profile doesn't guess schemes nor count digits
	if _, err := Normalize("+250788123123", "", false); err == nil || err.Error() != invalid("+250788123123") {
		t.Errorf("Normalize without a scheme = %v", err)
	}
	if got, err := Normalize("whatsapp:123", "", false); err != nil || got != "whatsapp:123" {
		t.Errorf("Normalize(whatsapp:123) = %q, %v", got, err)
	}
	for _, raw := range []string{"whatsapp:BR.ENT.AbC123", "whatsapp:BR." + strings.Repeat("a", 129)} {
		if _, err := Normalize(raw, "", false); err == nil || err.Error() != invalid(raw) {
			t.Errorf("Normalize(%q) = %v, want Weni's BSUID refused", raw, err)
		}
	}
}

func TestLookupIdentity(t *testing.T) {
	tests := []struct {
		raw, country string
		want         string // "" for an error
	}{
		{"tel:0788123123", "RW", "tel:+250788123123"}, // a local number finds the E.164 one
		{"tel:078-812-3123", "RW", "tel:+250788123123"},
		{"tel:+250788123123", "RW", "tel:+250788123123"},
		{"tel:+0788123123", "RW", "tel:+250788123123"}, // what Normalize stored for it
		{"tel:000000", "DE", "tel:+490000"},
		{"tel:0788123123", "", "tel:0788123123"}, // no country: matches nothing
		{"tel:+250788123123?foo=bar#Home", "", "tel:+250788123123"},
		{"tel:123", "", "tel:123"}, // invalid, but parseable
		{"twitter:@Bob", "", "twitter:bob"},
		{"twitter:@@bob", "", "twitter:@bob"},
		{"twitterid:12345#Bob", "", "twitterid:12345"},
		{"mailto:Bob@Nyaruka.com", "", "mailto:bob@nyaruka.com"},
		{"mailto:not-an-email", "", "mailto:not-an-email"},
		{"whatsapp:br.abc", "", "whatsapp:BR.abc"},
		{"ext:a%23b#c", "", "ext:a%23b"},
		{"12345", "RW", ""},
		{"+250788123123", "RW", ""},
		{"xyz:123", "", ""},
		{"tel:", "", ""},
		{"tel:---", "", ""}, // nothing left to look up
		{"ext:a#b#c", "", ""},
	}
	for _, tc := range tests {
		got, err := LookupIdentity(tc.raw, tc.country)
		if tc.want == "" {
			if err == nil || err.Error() != "Invalid URN: "+tc.raw {
				t.Errorf("LookupIdentity(%q, %q) = %q, %v; want error", tc.raw, tc.country, got, err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("LookupIdentity(%q, %q) = %q, %v; want %q", tc.raw, tc.country, got, err, tc.want)
		}
	}

	if ErrAnonLookup.Error() != "URN lookups not allowed for anonymous organizations" {
		t.Errorf("ErrAnonLookup = %q", ErrAnonLookup)
	}
}

func TestReferenceIdentity(t *testing.T) {
	tests := []struct {
		raw  string
		want string // "" when not a URN
	}{
		{"tel:+250788123123", "tel:+250788123123"},
		{"tel:+250 788 123 123", "tel:+250788123123"},
		{"tel:250788123123", "tel:+250788123123"},
		{"tel:0788123123", "tel:0788123123"}, // no workspace country: won't match the contact's E.164
		{"twitter:@Bob#Bob", "twitter:bob"},
		{"whatsapp:250788123123", "whatsapp:250788123123"},
		{"f47ac10b-58cc-4372-a567-0e02b2c3d479", ""},
		{"Bob", ""},
		{"", ""},
		{"xyz:123", ""},
	}
	for _, tc := range tests {
		got, ok := ReferenceIdentity(tc.raw)
		if tc.want == "" {
			if ok {
				t.Errorf("ReferenceIdentity(%q) = %q, want not a URN", tc.raw, got)
			}
			continue
		}
		if !ok || string(got) != tc.want {
			t.Errorf("ReferenceIdentity(%q) = %q, %v; want %q", tc.raw, got, ok, tc.want)
		}
	}
}

func TestOutput(t *testing.T) {
	u := gurns.URN("tel:+250788123123?foo=bar#Home%23")
	for _, tc := range []struct {
		anon, weni bool
		want       string
	}{
		{false, false, "tel:+250788123123"},
		{false, true, "tel:+250788123123#Home%23"},
		{true, false, "tel:********"},
		{true, true, "tel:********"},
	} {
		if got := ForAPI(u, tc.anon, tc.weni); got != tc.want {
			t.Errorf("ForAPI(%q, anon=%v, weni=%v) = %q, want %q", u, tc.anon, tc.weni, got, tc.want)
		}
	}
	if got := ForAPI("twitter:bob", false, true); got != "twitter:bob" {
		t.Errorf("ForAPI without a display = %q", got)
	}
	if got := Masked("mailto:bob@nyaruka.com"); got != "mailto:********" {
		t.Errorf("Masked = %q", got)
	}

	for in, want := range map[gurns.URN]string{
		"tel:+250788123123":          "0788 123 123",
		"tel:+250788123123#Mobile":   "0788 123 123", // a number is shown as a number
		"tel:+12024561111":           "(202) 456-1111",
		"tel:+5511987654321":         "(11) 98765-4321",
		"whatsapp:250788123123":      "0788 123 123",
		"whatsapp:BR.AbC123":         "BR.AbC123",
		"tel:1234":                   "1234",
		"tel:1234#Shortcode":         "Shortcode",
		"twitterid:12345#bob":        "bob",
		"twitter:bob":                "bob",
		"ext:a%23b":                  "a#b",
		"mailto:bob@nyaruka.com#Bob": "Bob",
	} {
		if got := Display(in); got != want {
			t.Errorf("Display(%q) = %q, want %q", in, got, want)
		}
	}

	for _, tc := range []struct{ scheme, path, query, display, want string }{
		{"tel", "+250788123123", "", "", "tel:+250788123123"},
		{"ext", "a#b%c?d", "x=1&y=?", "Bob #1", "ext:a%23b%25c%3Fd?x=1&y=%3F#Bob %231"},
	} {
		got := FromParts(tc.scheme, tc.path, tc.query, tc.display)
		if string(got) != tc.want {
			t.Errorf("FromParts = %q, want %q", got, tc.want)
		}
		scheme, path, query, display := got.ToParts()
		if scheme != tc.scheme || path != tc.path || query != tc.query || display != tc.display {
			t.Errorf("%q reads back as %q %q %q %q", got, scheme, path, query, display)
		}
	}
}
