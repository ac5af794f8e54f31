package urns

import (
	"net/netip"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rules of Django's EmailValidator, which RapidPro applies to mailto paths. Python matches these
// patterns case-insensitively with Unicode folding, so [A-Z] also takes ſ, K (Kelvin) and ı: Go's (?i)
// folds the first two, ı is listed.
var (
	emailUserRegex = regexp.MustCompile(`(?i)^(?:` +
		// dot-atom
		"[-!#$%&'*+/=?^_`{}|~0-9A-Z\u0131]+(?:\\.[-!#$%&'*+/=?^_`{}|~0-9A-Z\u0131]+)*" +
		// quoted string
		`|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f\x{131}]|\\[\x01-\x09\x0b\x0c\x0e-\x7f\x{131}])*"` +
		`)$`)

	// labels of at most 63 characters, then a top-level label of 2 to 63 that doesn't end with a dash
	emailDomainRegex = regexp.MustCompile(`(?i)^(?:[A-Z0-9\x{131}](?:[A-Z0-9\x{131}-]{0,61}[A-Z0-9\x{131}])?\.)+` +
		`[A-Z0-9\x{131}-]{1,62}[A-Z0-9\x{131}]$`)

	emailLiteralRegex = regexp.MustCompile(`(?i)^\[([A-F0-9:.]+)\]$`)
)

// validEmail is Django's EmailValidator: a local part, @ and a domain (with a dot and a top-level label,
// an address literal, or localhost), internationalized domains being checked in their ASCII form.
func validEmail(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 320 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return false
	}
	user, domain := s[:at], s[at+1:]

	if !emailUserRegex.MatchString(user) {
		return false
	}
	if domain == "localhost" || validEmailDomain(domain) {
		return true
	}
	ascii, ok := idnaToASCII(domain)
	return ok && validEmailDomain(ascii)
}

func validEmailDomain(domain string) bool {
	if emailDomainRegex.MatchString(domain) {
		return true
	}
	m := emailLiteralRegex.FindStringSubmatch(domain)
	if m == nil {
		return false
	}
	addr, err := netip.ParseAddr(m[1])
	return err == nil && (addr.Is4() || len(m[1]) <= 39) // Django refuses IPv6 text longer than 39
}

// idna labels may be separated by any of these full stops
var idnaDots = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".")

// idnaToASCII approximates Python's "idna" codec (IDNA 2003), which Django applies to a domain that fails
// as given: ASCII labels are kept, the others lose the characters nameprep maps to nothing, are refused
// if they hold a character nameprep prohibits, and are punycoded. Nameprep's NFKC step and bidi rules
// aren't reproduced; a domain they would change or refuse is very unlikely in a contact's address.
func idnaToASCII(domain string) (string, bool) {
	labels := strings.Split(idnaDots.Replace(domain), ".")
	trailingDot := ""
	if labels[len(labels)-1] == "" {
		labels, trailingDot = labels[:len(labels)-1], "." // allowed here, refused by the domain rule
	}
	for i, label := range labels {
		if !isASCII(label) {
			label = strings.Map(func(r rune) rune {
				if nameprepMapsToNothing(r) {
					return -1
				}
				return r
			}, label)
			for _, r := range label {
				if nameprepProhibits(r) {
					return "", false
				}
			}
			if !isASCII(label) {
				if strings.HasPrefix(label, "xn--") {
					return "", false
				}
				encoded, ok := punycode(label)
				if !ok {
					return "", false
				}
				label = "xn--" + encoded
			}
		}
		if len(label) == 0 || len(label) > 63 {
			return "", false
		}
		labels[i] = label
	}
	return strings.Join(labels, ".") + trailingDot, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// nameprepMapsToNothing is stringprep table B.1.
func nameprepMapsToNothing(r rune) bool {
	switch {
	case r == 0xad, r == 0x34f, r == 0x1806, r >= 0x180b && r <= 0x180d, r >= 0x200b && r <= 0x200d,
		r == 0x2060, r >= 0xfe00 && r <= 0xfe0f, r == 0xfeff:
		return true
	}
	return false
}

// nameprepProhibits approximates stringprep tables C.1.2 to C.9: spaces, controls, private use,
// surrogates, non-characters, and characters that change display or are deprecated.
func nameprepProhibits(r rune) bool {
	switch {
	case unicode.IsSpace(r), unicode.IsControl(r), unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r),
		r&0xfffe == 0xfffe, r >= 0xfdd0 && r <= 0xfdef, // non-characters
		r >= 0xfff9 && r <= 0xfffd, r >= 0x2ff0 && r <= 0x2ffb, // inappropriate for plain text / canonical
		r == 0x340, r == 0x341, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x206a && r <= 0x206f,
		r == 0xe0001, r >= 0xe0020 && r <= 0xe007f, // tags
		r == 0x6dd, r == 0x70f, r == 0x180e, r >= 0x2028 && r <= 0x2029, r >= 0x1d173 && r <= 0x1d17a:
		return true
	}
	return false
}

// punycode encodes a label as RFC 3492 describes (without the xn-- prefix).
func punycode(label string) (string, bool) {
	const (
		base        = 36
		tMin        = 1
		tMax        = 26
		skew        = 38
		damp        = 700
		initialBias = 72
		initialN    = 128
	)
	digit := func(d int32) byte {
		if d < 26 {
			return byte('a' + d)
		}
		return byte('0' + d - 26)
	}
	adapt := func(delta, points int32, first bool) int32 {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / points
		k := int32(0)
		for delta > ((base-tMin)*tMax)/2 {
			delta /= base - tMin
			k += base
		}
		return k + (base-tMin+1)*delta/(delta+skew)
	}

	runes := []rune(label)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	basic := int32(len(out))
	if basic > 0 {
		out = append(out, '-')
	}

	n, delta, bias := int32(initialN), int32(0), int32(initialBias)
	for handled := basic; handled < int32(len(runes)); {
		m := int32(unicode.MaxRune + 1)
		for _, r := range runes {
			if r >= n && r < m {
				m = r
			}
		}
		if int64(delta)+int64(m-n)*int64(handled+1) > 1<<30 {
			return "", false // far beyond any label's 63 characters
		}
		delta += (m - n) * (handled + 1)
		n = m
		for _, r := range runes {
			if r < n {
				delta++
			}
			if r != n {
				continue
			}
			q := delta
			for k := int32(base); ; k += base {
				t := k - bias
				if t < tMin {
					t = tMin
				} else if t > tMax {
					t = tMax
				}
				if q < t {
					break
				}
				out = append(out, digit(t+(q-t)%(base-t)))
				q = (q - t) / (base - t)
			}
			out = append(out, digit(q))
			bias = adapt(delta, handled+1, handled == basic)
			delta = 0
			handled++
		}
		delta++
		n++
	}
	return string(out), true
}
