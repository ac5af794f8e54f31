package external

import (
	"testing"
	"time"
)

func TestSubstitute(t *testing.T) {
	vars := map[string]string{"to": "+1", "text": "{{to}}"}
	tests := map[string]string{
		"":                        "",
		"to={{to}}&text={{text}}": "to=+1&text={{to}}",
		"{{{to}}}":                "{+1}",
		"{{ to }}{{unknown}}{{":   "{{ to }}{{unknown}}{{",
		"{{to}}{{to}}":            "+1+1",
		"{{t{{to}}":               "{{t+1",
	}
	for tmpl, want := range tests {
		if got := substitute(tmpl, vars); got != want {
			t.Errorf("substitute(%q) = %q, want %q", tmpl, got, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		" 5 ":                           5 * time.Second,
		"0":                             0,
		"-3":                            0,
		"soon":                          0,
		"Fri, 02 Jan 2026 03:05:05 GMT": time.Minute,
		"Fri, 02 Jan 2026 03:00:00 GMT": 0,
		"99999999999":                   365 * 24 * time.Hour,
	}
	for value, want := range tests {
		if got := retryAfter(value, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", value, got, want)
		}
	}
}

func TestXPathSubset(t *testing.T) {
	doc, err := parseXML([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?>` +
		`<s:env xmlns:s="urn:s" xmlns="urn:d"><s:body><m id="1">one<b>bold</b>tail<!-- no --></m><m id="2"><x:k xmlns:x="urn:x">k</x:k></m>` +
		"<n>caf\xe9</n></s:body></s:env>"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		expr  string
		want  string
		found bool
	}{
		{"//m", "oneboldtail", true},
		{"/env/body/m", "oneboldtail", true},
		{"s:env/s:body/m", "oneboldtail", true},
		{"/x:env", "", false},
		{"//m/text()", "one", true},
		{"//text()", "one", true},
		{"//b/text()", "bold", true},
		{"//m/@id", "1", true},
		{"//@id", "1", true},
		{"//x:k", "k", true},
		{"//k", "k", true},
		{"//s:k", "", false},
		{"/env//k", "k", true},
		{"/env/k", "", false},
		{"/*/*/*/b", "bold", true},
		{"//n", "café", true},
		{"//m[2]", "", false},
		{"//m/text()/x", "", false},
		{"", "", false},
		{"//", "", false},
		{"/env/", "", false},
		{"count(//m)", "", false},
	}
	for _, tc := range tests {
		got, found := doc.findText(tc.expr)
		if got != tc.want || found != tc.found {
			t.Errorf("findText(%q) = %q %v, want %q %v", tc.expr, got, found, tc.want, tc.found)
		}
	}

	for body, want := range map[string]string{
		"":              "xmlquery: invalid XML document",
		"just text":     "xmlquery: invalid XML document",
		"<a>":           "XML syntax error on line 1: unexpected EOF",
		"<a>&nbsp;</a>": "XML syntax error on line 1: invalid character entity &nbsp;",
		"<a></b>":       "XML syntax error on line 1: element <a> closed by </b>",
		`<?xml version="1.0" encoding="EBCDIC"?><a/>`: `xml: opening charset "EBCDIC": unsupported charset: EBCDIC`,
	} {
		if _, err := parseXML([]byte(body)); err == nil || err.Error() != want {
			t.Errorf("parseXML(%q) error %v, want %q", body, err, want)
		}
	}
}
