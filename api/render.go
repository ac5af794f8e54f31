package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// apiTime is a datetime as the API writes it: UTC, six fractional digits, Z.
type apiTime time.Time

const apiTimeLayout = "2006-01-02T15:04:05.000000Z"

func (t apiTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(apiTimeLayout) + `"`), nil
}

// optionalTime is a time that may be unset, written as null when it is.
func optionalTime(t *time.Time) *apiTime {
	if t == nil {
		return nil
	}
	v := apiTime(*t)
	return &v
}

// ref is the reference to another object: {"uuid", "name"}.
type ref struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// encodeJSON renders v as RapidPro does: compact, UTF-8, no HTML escaping; indented when the client asks
// for "; indent=N"; with every non-ASCII character escaped when asciiOnly (as Weni's servers do).
func encodeJSON(v any, indent int, asciiOnly bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent > 0 {
		enc.SetIndent("", strings.Repeat(" ", indent))
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if asciiOnly {
		out = escapeNonASCII(out)
	}
	return out, nil
}

// escapeNonASCII rewrites every non-ASCII character as \uXXXX (surrogate pairs above the BMP). Outside
// strings JSON is pure ASCII, so this only ever touches string contents.
func escapeNonASCII(b []byte) []byte {
	if isASCII(b) {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r < utf8.RuneSelf:
			out = append(out, byte(r))
		case r > 0xFFFF:
			r -= 0x10000
			out = fmt.Appendf(out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
	}
	return out
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// acceptIndent reads the "indent=N" parameter of a JSON Accept header, as DRF's JSONRenderer does.
func acceptIndent(r *http.Request) int {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || (mediaType != "application/json" && mediaType != "*/*") {
			continue
		}
		if n, err := strconv.Atoi(params["indent"]); err == nil && n > 0 {
			return min(n, 8)
		}
	}
	return 0
}
