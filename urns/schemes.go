package urns

import (
	"regexp"
	"strings"
	"unicode"

	gurns "github.com/nyaruka/gocommon/urns"
	"github.com/nyaruka/phonenumbers/v2"
)

var (
	asciiDigitsRegex   = regexp.MustCompile(`^[0-9]+$`)
	twitterHandleRegex = regexp.MustCompile(`^[a-zA-Z0-9_]{1,15}$`)
	bsuidRegex         = regexp.MustCompile(`^[A-Z]{2}\.[a-zA-Z0-9]{1,128}$`)
	weniBSUIDRegex     = regexp.MustCompile(`^[A-Z]{2}\.(?:ENT\.)?[a-zA-Z0-9]+$`) // Weni's whatsapp ids
	viberRegex         = regexp.MustCompile(`^[a-zA-Z0-9_=+/]{1,24}$`)
	freshchatRegex     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

	// what Python's int() accepts once stripped: a sign, then decimal digits of any script, with single
	// underscores between them
	pythonIntRegex = regexp.MustCompile(`^[+-]?\p{Nd}+(?:_\p{Nd}+)*$`)
)

// normalizeStep is one pass of RapidPro's normalization. It fails when the path ends up empty.
func normalizeStep(p parts, country string) (parts, bool) {
	path := strings.TrimFunc(p.path, isPythonSpace)
	display := p.display

	switch p.scheme {
	case gurns.Phone.Prefix:
		path = normalizePhone(path, country)
	case gurns.Twitter.Prefix:
		path = strings.TrimPrefix(pythonLower(path), "@")
	case gurns.TwitterID.Prefix:
		display = strings.TrimPrefix(pythonLower(strings.TrimFunc(display, isPythonSpace)), "@")
	case gurns.Email.Prefix:
		path = pythonLower(path)
	case gurns.WhatsApp.Prefix, gurns.BSUID.Prefix:
		path = normalizeBSUID(path)
	}

	if path == "" {
		return parts{}, false
	}
	return parts{scheme: p.scheme, path: path, query: p.query, display: display}, true
}

// normalizePhone makes a number E.164 when libphonenumber finds it possible (reading it in the
// workspace's country unless it looks international), and otherwise keeps its letters and digits.
func normalizePhone(number, country string) string {
	number = strings.TrimFunc(number, isPythonSpace)
	normalized := pythonLower(number)

	// Excel turns long numbers into 2.50788123123e+11
	if strings.HasSuffix(normalized, "e+11") || strings.HasSuffix(normalized, "e+12") {
		normalized = strings.ReplaceAll(normalized[:len(normalized)-4], ".", "")
	}

	normalized = strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') {
			return r
		}
		return -1
	}, normalized)

	parseAs := normalized
	if strings.HasPrefix(number, "+") || (len(normalized) >= 11 && !strings.HasPrefix(normalized, "0")) {
		parseAs = "+" + normalized
	}

	if num, ok := possibleNumber(parseAs, country); ok {
		return phonenumbers.Format(num, phonenumbers.E164)
	}
	return normalized
}

// possibleNumber parses s in country and says whether libphonenumber finds it a possible number
// (strictly: not one that is only possible as a local number).
func possibleNumber(s, country string) (*phonenumbers.PhoneNumber, bool) {
	num, err := phonenumbers.Parse(s, country)
	if err != nil {
		return nil, false
	}
	return num, phonenumbers.IsPossibleNumberWithReason(num) == phonenumbers.IS_POSSIBLE
}

// normalizeBSUID uppercases the country of a WhatsApp business-scoped user id (CC.xxx).
func normalizeBSUID(path string) string {
	runes := []rune(path)
	if len(runes) > 2 && runes[2] == '.' {
		return strings.ToUpper(string(runes[:2])) + string(runes[2:])
	}
	return path
}

// valid is RapidPro's validation of a normalized URN (Weni's when weni is set).
func valid(p parts, country string, weni bool) bool {
	switch p.scheme {
	case gurns.Phone.Prefix:
		_, ok := possibleNumber(p.path, country)
		return ok
	case gurns.Twitter.Prefix:
		return twitterHandleRegex.MatchString(p.path)
	case gurns.TwitterID.Prefix:
		return isPythonDigits(p.path) && (p.display == "" || twitterHandleRegex.MatchString(p.display))
	case gurns.Email.Prefix:
		return validEmail(p.path)
	case gurns.Facebook.Prefix:
		return strings.HasPrefix(p.path, gurns.FacebookRefPrefix) || pythonIntRegex.MatchString(p.path)
	case gurns.Telegram.Prefix, gurns.Instagram.Prefix:
		return asciiDigitsRegex.MatchString(p.path)
	case gurns.WhatsApp.Prefix:
		if weni {
			return asciiDigitsRegex.MatchString(p.path) || weniBSUIDRegex.MatchString(p.path)
		}
		return asciiDigitsRegex.MatchString(p.path) || bsuidRegex.MatchString(p.path)
	case gurns.BSUID.Prefix:
		return bsuidRegex.MatchString(p.path)
	case gurns.Viber.Prefix:
		return viberRegex.MatchString(p.path)
	case gurns.FreshChat.Prefix:
		return freshchatRegex.MatchString(p.path)
	}
	return true // ext and the rest: anything goes
}

// isPythonDigits is Python's str.isdigit for the decimal digits of every script (it also takes
// superscripts and the like, which no id is made of).
func isPythonDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// isPythonSpace is what Python's str.strip removes: Go's white space plus the four ASCII separators.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pythonLower is Python's str.lower, which maps İ to i + combining dot where Go maps it to i.
// (Python also lowercases a word-final Σ to ς; that only shows in IDN mail domains and isn't copied.)
func pythonLower(s string) string {
	if !strings.ContainsRune(s, 'İ') {
		return strings.ToLower(s)
	}
	return strings.ToLower(strings.ReplaceAll(s, "İ", "i\u0307"))
}

// FromParts is the URN string of these components, escaped as gocommon writes it (#, % and ? in a
// component become %23, %25, %3F), without normalizing or validating anything. Use it to rebuild a URN
// from stored columns.
func FromParts(scheme, path, query, display string) gurns.URN {
	s := scheme + ":" + escape(path)
	if query != "" {
		s += "?" + escape(query)
	}
	if display != "" {
		s += "#" + escape(display)
	}
	return gurns.URN(s)
}

var escaper = strings.NewReplacer("#", "%23", "%", "%25", "?", "%3F")

func escape(s string) string { return escaper.Replace(s) }
