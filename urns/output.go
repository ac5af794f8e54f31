package urns

import (
	"strings"

	gurns "github.com/nyaruka/gocommon/urns"
	"github.com/nyaruka/phonenumbers/v2"
)

// ForAPI is a contact's URN as the API writes it: its identity, scheme:path (the Weni profile appends
// #display when there is one), or scheme:******** in an anonymous workspace.
func ForAPI(u gurns.URN, anon, weni bool) string {
	if anon {
		return Masked(u)
	}
	scheme, path, _, display := u.ToParts()
	if weni {
		return string(FromParts(scheme, path, "", display))
	}
	return string(FromParts(scheme, path, "", ""))
}

// Masked is the URN as an anonymous workspace shows it: its scheme and the mask (scheme:********).
func Masked(u gurns.URN) string {
	return u.Scheme() + ":" + Mask
}

// Display is the URN made friendly to read, as RapidPro's urn_display: a phone number (tel, or a
// whatsapp number) in its national format (tel:+250788123123 is "0788 123 123"), otherwise the URN's
// display if it has one, otherwise its path.
func Display(u gurns.URN) string {
	scheme, path, _, display := u.ToParts()

	number := ""
	switch {
	case scheme == gurns.Phone.Prefix && strings.HasPrefix(path, "+"):
		number = path
	case scheme == gurns.WhatsApp.Prefix && asciiDigitsRegex.MatchString(path):
		number = "+" + path // whatsapp numbers are E.164 without the +; a BSUID is no number
	}
	if number != "" {
		if num, err := phonenumbers.Parse(number, ""); err == nil {
			return phonenumbers.Format(num, phonenumbers.NATIONAL)
		}
	}

	if display != "" {
		return display
	}
	return path
}
