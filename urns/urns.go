// Package urns holds the API's URN rules: how a URN given to the API is parsed, normalized for the
// workspace's country and validated, the exact errors RapidPro answers with, and how URNs are shown.
// It works on gocommon's URN type and parser; the rules themselves are RapidPro's (the project's spec,
// part B §10.1 and §10.2), not gocommon's own normalization.
//
// Three uses, three functions:
//   - Normalize: a URN being written (a contact's urns, a flow start's urns, a broadcast's urns).
//   - LookupIdentity: a ?urn= query parameter.
//   - ReferenceIdentity: a contact referenced by URN inside a payload (no workspace country).
package urns

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	gurns "github.com/nyaruka/gocommon/urns"
)

// MaxLength is the longest URN string the API accepts, in characters, both as given and once normalized.
const MaxLength = 255

// Mask replaces the path of every URN shown by an anonymous workspace.
const Mask = "********"

// ErrAnonLookup is the answer to a ?urn= lookup in an anonymous workspace. LookupIdentity doesn't know
// whether the workspace is anonymous: callers check that first, as RapidPro does, and answer this.
var ErrAnonLookup = errors.New("URN lookups not allowed for anonymous organizations")

// Error is a URN the API refuses. Its text is RapidPro's message, ready to show to the client.
type Error struct {
	Input string // the value as given
	msg   string
}

func (e *Error) Error() string { return e.msg }

func invalidWrite(raw string) *Error {
	return &Error{Input: raw, msg: "Invalid URN: " + raw + ". Ensure phone numbers contain country codes."}
}

func invalidLookup(raw string) *Error {
	return &Error{Input: raw, msg: "Invalid URN: " + raw}
}

// Normalize parses raw, normalizes it as RapidPro does for a workspace in country (an ISO 3166 alpha-2
// code, "" for none) and validates it. The URN keeps its query and display; its identity is
// u.Identity(). weni applies the Weni profile: a scheme-less phone number becomes whatsapp:<digits>,
// phone URNs must have 8 to 15 digits, and whatsapp ids follow Weni's pattern (CC.ENT.xxx too).
// Every error is an *Error whose text is the API's message.
func Normalize(raw, country string, weni bool) (gurns.URN, error) {
	if utf8.RuneCountInString(raw) > MaxLength {
		return gurns.NilURN, invalidWrite(raw)
	}

	value := raw
	if weni {
		if digits, ok := schemelessPhone(raw); ok {
			value = gurns.WhatsApp.Prefix + ":" + digits
		}
	}

	p, ok := parse(value)
	if !ok {
		return gurns.NilURN, invalidWrite(raw)
	}
	country = cleanCountry(country)

	first, ok := normalizeStep(p, country)
	if !ok {
		return gurns.NilURN, invalidWrite(raw)
	}
	if weni {
		if err := checkPhoneDigits(raw, first); err != nil {
			return gurns.NilURN, err
		}
	}
	if !valid(first, country, weni) {
		return gurns.NilURN, invalidWrite(raw)
	}

	// RapidPro stops after one pass, but a valid result isn't always a fixed point, so we settle it: what
	// we store then normalizes to itself, and a later lookup with the same value finds it. RapidPro's
	// rule drops the + of a number it can't read (tel:+0788123123 in RW gives tel:0788123123, which is
	// valid and reads as tel:+250788123123), and libphonenumber's E.164 of a number with leading zeros
	// can read back as another number (tel:000000 in DE gives +4900000, which gives +490000).
	final, ok := settle(first, country)
	if !ok || !valid(final, country, weni) || !withinLimits(final) {
		return gurns.NilURN, invalidWrite(raw)
	}
	if weni {
		if err := checkPhoneDigits(raw, final); err != nil {
			return gurns.NilURN, err
		}
	}
	return final.urn(), nil
}

// LookupIdentity is the identity (scheme:path) that a ?urn= lookup matches, normalized with the
// workspace's country. As in RapidPro the value isn't validated: an invalid but parseable URN just
// matches nothing. The only error is a value that isn't a URN at all: "Invalid URN: <raw>". Weni's
// scheme-less numbers are a rule for writes and aren't guessed here.
func LookupIdentity(raw, country string) (gurns.URN, error) {
	id, ok := identity(raw, cleanCountry(country))
	if !ok {
		return gurns.NilURN, invalidLookup(raw)
	}
	return id, nil
}

// ReferenceIdentity is the identity of a contact referenced by URN in a payload (contacts: [...]). It is
// normalized without the workspace's country, so a local number won't match: clients must send E.164.
// ok is false when raw isn't a URN, which callers then treat as a UUID or an unknown object.
func ReferenceIdentity(raw string) (gurns.URN, bool) {
	return identity(raw, "")
}

// identity normalizes raw for matching. A result that is valid is settled exactly as Normalize settles
// it, so a URN written with a value is always found with the same value.
func identity(raw, country string) (gurns.URN, bool) {
	p, ok := parse(raw)
	if !ok {
		return gurns.NilURN, false
	}
	first, ok := normalizeStep(p, country)
	if !ok {
		return gurns.NilURN, false
	}
	if valid(first, country, false) {
		if final, ok := settle(first, country); ok && valid(final, country, false) {
			first = final
		}
	}
	return first.identity().urn(), true
}

// parts are a URN's components, unescaped.
type parts struct {
	scheme, path, query, display string
}

// parse splits s with gocommon's parser, which is the state machine RapidPro uses, and accepts only the
// schemes RapidPro accepts.
func parse(s string) (parts, bool) {
	// gocommon unescapes %23, %25 and %3F in map order, so %2523 and %253F read differently from run to run
	// (%23 or #, %3F or ?). Such a value can't be parsed reliably, here or later from its stored form.
	if strings.Contains(s, "%2523") || strings.Contains(s, "%253F") {
		return parts{}, false
	}
	u, err := gurns.Parse(s)
	if err != nil {
		return parts{}, false
	}
	scheme, path, query, display := u.ToParts()
	if !gurns.IsValidScheme(scheme) {
		return parts{}, false
	}
	return parts{scheme: scheme, path: path, query: query, display: display}, true
}

func (p parts) identity() parts { return parts{scheme: p.scheme, path: p.path} }

func (p parts) urn() gurns.URN { return FromParts(p.scheme, p.path, p.query, p.display) }

// withinLimits keeps gocommon's structural limits (URN.Validate measures the path escaped, in bytes)
// and the API's length limit on the normalized string, so that what we accept can be given back.
func withinLimits(p parts) bool {
	return len(escape(p.path)) <= 200 && len(p.display) <= 255 &&
		utf8.RuneCountInString(string(p.urn())) <= MaxLength
}

// settle repeats normalization until it gives back what it was given, a few times at most.
func settle(p parts, country string) (parts, bool) {
	for range 8 {
		next, ok := normalizeStep(p, country)
		if !ok {
			return p, false
		}
		if next == p {
			return p, true
		}
		p = next
	}
	return p, false
}

func cleanCountry(country string) string {
	return strings.ToUpper(strings.TrimSpace(country))
}

// a Weni scheme-less phone number: an optional +, then digits with spaces, dashes or parentheses
var schemelessPhoneRegex = regexp.MustCompile(`^\+?[0-9 ()\-]*[0-9][0-9 ()\-]*$`)

// schemelessPhone returns the digits of raw when it is a phone number given without a scheme.
func schemelessPhone(raw string) (string, bool) {
	s := strings.TrimFunc(raw, isPythonSpace)
	if !schemelessPhoneRegex.MatchString(s) {
		return "", false
	}
	return onlyDigits(s), true
}

// checkPhoneDigits is the Weni rule on phone URNs (tel, and whatsapp numbers): 8 to 15 digits.
func checkPhoneDigits(raw string, p parts) *Error {
	var digits string
	switch {
	case p.scheme == gurns.Phone.Prefix:
		digits = onlyDigits(p.path)
	case p.scheme == gurns.WhatsApp.Prefix && asciiDigitsRegex.MatchString(p.path):
		digits = p.path
	default:
		return nil
	}
	if len(digits) < 8 {
		return &Error{Input: raw, msg: "Phone number must have at least 8 digits."}
	}
	if len(digits) > 15 {
		return &Error{Input: raw, msg: "Phone number cannot exceed 15 digits."}
	}
	return nil
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
