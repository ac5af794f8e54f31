package urns

import (
	"strings"
	"testing"
	"unicode/utf8"

	gurns "github.com/nyaruka/gocommon/urns"
)

// workspace countries the fuzzer picks from: none, the usual ones, KR (whose numbers may start with a
// 0 that E.164 reads differently), and one that isn't a country
var fuzzCountries = []string{"", "RW", "US", "BR", "KR", "IT", "GB", "DE", "IN", "AR", "XX"}

// FuzzNormalize checks that nothing panics, that a normalized URN normalizes to itself, and that a
// written URN is found again by a lookup with the value it was written with.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"tel:078-8000004", "tel:+250 788 123 123", "tel:0788123123", "tel:+0788123123", "tel:2.50788123123e+11",
		"tel:(202) 456-1111", "tel:(11) 98765-4321", "tel:011 98765 4321", "tel:1800flowers", "tel:+82011290",
		"tel:+39 06 698 1", "tel:0039066981", "tel:+800 1234 5678", "tel:123", "tel:---", "tel: ", "tel:İ",
		"tel:+250788123123?foo=bar#Home", "twitter:@Handle", "twitter:@@x", "twitterid:12345#@Bob ",
		"twitterid:١٢٣#Bob", "mailto:MiXeD@Example.COM", "mailto:bob@münchen.de", "mailto:bob@[::1]",
		"mailto:\"a\\ b\"@x.com", "mailto:İ@x.com", "whatsapp:br.AbC123", "whatsapp:ıd.abc", "bsuid:us.x",
		"facebook:ref:xyz", "facebook:-1_2", "telegram:123", "instagram:12", "viber:abc+/=",
		"freshchat:0b5b1b36-6b5b-4b8b-9b1b-0b5b1b366b5b/0b5b1b36-6b5b-4b8b-9b1b-0b5b1b366b5b",
		"ext:a%23b", "ext:a#b", "ext:a?x=1#b", "ext:100%25", "ext:%2523", "ext:%25%2323", "ext:a#%%%",
		"xyz:123", "12345", "+55 (11) 98765-4321", "", ":", "tel:", "ext:a#b#c", "ext:a?b?c",
		"ext:\x1c a \x1f", "ext: \u00a0a\u3000", "ext:\xff", "mailto:Σ@x.com",
	} {
		f.Add(s, uint8(0), false)
		f.Add(s, uint8(1), true)
		f.Add(s, uint8(3), false)
	}

	f.Fuzz(func(t *testing.T, raw string, countryIndex uint8, weni bool) {
		country := fuzzCountries[int(countryIndex)%len(fuzzCountries)]

		u, err := Normalize(raw, country, weni)
		if err != nil {
			if _, ok := err.(*Error); !ok || u != gurns.NilURN {
				t.Fatalf("Normalize(%q, %q) = %q, %#v", raw, country, u, err)
			}
		} else {
			checkNormalized(t, raw, country, weni, u)
		}

		// the same value always gives the same answer (gocommon's unescaping could make it vary)
		if u2, err2 := Normalize(raw, country, weni); u2 != u || (err2 == nil) != (err == nil) {
			t.Fatalf("Normalize(%q, %q) gave %q, %v then %q, %v", raw, country, u, err, u2, err2)
		}

		id, lerr := LookupIdentity(raw, country)
		if lerr == nil {
			if id != id.Identity() || !utf8.ValidString(string(id)) {
				t.Fatalf("LookupIdentity(%q, %q) = %q, not an identity", raw, country, id)
			}
		} else if lerr.Error() != "Invalid URN: "+raw {
			t.Fatalf("LookupIdentity(%q, %q) error %q", raw, country, lerr)
		}
		if _, ok := ReferenceIdentity(raw); ok && lerr != nil {
			t.Fatalf("ReferenceIdentity(%q) is a URN, LookupIdentity isn't", raw)
		}

		Display(gurns.URN(raw))
		ForAPI(gurns.URN(raw), false, true)
	})
}

func checkNormalized(t *testing.T, raw, country string, weni bool, u gurns.URN) {
	t.Helper()

	again, err := Normalize(string(u), country, weni)
	if err != nil || again != u {
		t.Fatalf("Normalize(%q, %q) = %q; that normalizes to %q, %v", raw, country, u, again, err)
	}

	// gocommon reads it back to the same parts, without the escapes it reads inconsistently
	if strings.Contains(string(u), "%2523") || strings.Contains(string(u), "%253F") {
		t.Fatalf("Normalize(%q, %q) = %q, which gocommon can't read reliably", raw, country, u)
	}
	scheme, path, query, display := u.ToParts()
	if FromParts(scheme, path, query, display) != u {
		t.Fatalf("Normalize(%q, %q) = %q, which doesn't read back", raw, country, u)
	}
	if len(escape(path)) > 200 || len(display) > 255 || utf8.RuneCountInString(string(u)) > MaxLength {
		t.Fatalf("Normalize(%q, %q) = %q, beyond the limits", raw, country, u)
	}

	// a contact written with a URN is found by a lookup with that URN, and with the value it came from
	for _, s := range []string{string(u), raw} {
		if weni && s == raw {
			continue // Weni's scheme-less numbers are for writes only
		}
		if id, err := LookupIdentity(s, country); err != nil || id != u.Identity() {
			t.Fatalf("Normalize(%q, %q) = %q, but LookupIdentity(%q) = %q, %v", raw, country, u, s, id, err)
		}
	}
	if id, ok := ReferenceIdentity(string(u)); country == "" && (!ok || id != u.Identity()) {
		t.Fatalf("Normalize(%q) = %q, but ReferenceIdentity = %q, %v", raw, u, id, ok)
	}
}
