package api

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// A URL a client gives is checked as Django's URLValidator checks it (DRF's URLField): a scheme of http,
// https, ftp or ftps, a host that is a domain with a top-level domain, localhost, an IPv4 address or a
// bracketed IPv6 address, an optional port and anything without whitespace after. Written from Django's
// (BSD-licensed) validator; Go's regexp has no lookaround, so the labels that may not start or end with a
// hyphen say so by their shape.

// urlSchemes are the schemes Django's URLValidator accepts by default.
var urlSchemes = []string{"http", "https", "ftp", "ftps"}

const (
	// pyWhitespace is what Python's \s matches in a str pattern: every character str.isspace() is true of.
	pyWhitespace = `\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
	// urlLetter is a letter or digit of a host name: ASCII ones and every character from U+00A1 to U+FFFF
	urlLetter = `a-z\x{a1}-\x{ffff}0-9`
	urlIPv4   = `(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)(?:\.(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)){3}`
	urlIPv6   = `\[[0-9a-f:.]+\]`
	// a label of 1 to 63 characters that doesn't start or end with a hyphen
	urlLabel    = `[` + urlLetter + `](?:[` + urlLetter + `-]{0,61}[` + urlLetter + `])?`
	urlHostname = urlLabel + `(?:\.` + urlLabel + `)*`
	// a top-level domain: 2 to 63 letters or hyphens, not starting or ending with one, or punycode
	urlTLD  = `\.(?:[a-z\x{a1}-\x{ffff}][a-z\x{a1}-\x{ffff}-]{0,61}[a-z\x{a1}-\x{ffff}]|xn--[a-z0-9]{1,59})\.?`
	urlHost = `(?:` + urlHostname + urlTLD + `|localhost)`
)

var urlPattern = regexp.MustCompile(`(?i)^[a-z0-9.+-]*://` +
	`(?:[^` + pyWhitespace + `:@/]+(?::[^` + pyWhitespace + `:@/]*)?@)?` + // user:password@
	`(?:` + urlIPv4 + `|` + urlIPv6 + `|` + urlHost + `)` +
	`(?::[0-9]{1,5})?` + // port
	`(?:[/?#][^` + pyWhitespace + `]*)?$`) // path, query, fragment

var bracketedHost = regexp.MustCompile(`^\[(.+)\](?::[0-9]{1,5})?$`)

// validURL reports whether Django's URLValidator accepts s.
func validURL(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 2048 || strings.ContainsAny(s, "\t\r\n") {
		return false
	}
	scheme, _, _ := strings.Cut(s, "://")
	if !slices.Contains(urlSchemes, strings.ToLower(scheme)) {
		return false
	}
	if !urlPattern.MatchString(s) {
		return false
	}
	netloc := urlNetloc(s)
	if m := bracketedHost.FindStringSubmatch(netloc); m != nil {
		addr, err := netip.ParseAddr(m[1])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return false
		}
	}
	host := urlHostName(netloc)
	return host != "" && utf8.RuneCountInString(host) <= 253
}

// urlNetloc is the part of a URL Python's urlsplit calls the netloc: after "scheme://", up to the path, query
// or fragment.
func urlNetloc(s string) string {
	_, rest, _ := strings.Cut(s, "://")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// urlHostName is what Python's urlsplit(...).hostname gives of a netloc: no user, no port, no brackets.
func urlHostName(netloc string) string {
	if i := strings.LastIndexByte(netloc, '@'); i >= 0 {
		netloc = netloc[i+1:]
	}
	if rest, ok := strings.CutPrefix(netloc, "["); ok {
		host, _, _ := strings.Cut(rest, "]")
		return host
	}
	host, _, _ := strings.Cut(netloc, ":")
	return host
}
