package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Flow start params are JSON objects whose key order matters to RapidPro's rules (extra is normalized in
// order, up to a number of values), and whose size is measured as Python's json.dumps writes them. Values
// decoded here keep their objects' key order: nil, bool, json.Number, string, []any or *jsonObject.

// jsonObject is a JSON object with its keys in order. A repeated key keeps its first place and last value, as
// Python's json.loads does.
type jsonObject struct {
	keys []string
	vals map[string]any
}

func newJSONObject() *jsonObject { return &jsonObject{vals: map[string]any{}} }

func (o *jsonObject) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *jsonObject) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

func (o *jsonObject) len() int { return len(o.keys) }

// MarshalJSON writes the object compactly, in key order, without escaping HTML characters. Nested values are
// written in the same pass, so deep objects cost no more than long ones.
func (o *jsonObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	err := appendOrdered(&buf, o)
	return buf.Bytes(), err
}

func appendOrdered(buf *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case *jsonObject:
		buf.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := appendOrdered(buf, k); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := appendOrdered(buf, t.vals[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, item := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := appendOrdered(buf, item); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	default:
		b, err := encodeJSON(t, 0, false)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	return nil
}

// decodeOrdered decodes one JSON value, keeping key order.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeOrderedValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("extra data after JSON value")
	}
	return v, nil
}

func decodeOrderedValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := newJSONObject()
			for dec.More() {
				keyTok, err := dec.Token()
				if err != nil {
					return nil, err
				}
				val, err := decodeOrderedValue(dec)
				if err != nil {
					return nil, err
				}
				obj.set(keyTok.(string), val)
			}
			_, err := dec.Token() // }
			return obj, err
		case '[':
			list := []any{}
			for dec.More() {
				val, err := decodeOrderedValue(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, val)
			}
			_, err := dec.Token() // ]
			return list, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	}
	return tok, nil
}

// pyJSONLen is the length of Python's json.dumps(v): ", " and ": " between items, every character outside
// printable ASCII escaped.
func pyJSONLen(v any) int {
	switch t := v.(type) {
	case nil:
		return len("null")
	case bool:
		if t {
			return len("true")
		}
		return len("false")
	case json.Number:
		return len(pyNumber(t))
	case string:
		return pyStringLen(t)
	case []any:
		n := 2 + 2*max(len(t)-1, 0)
		for _, item := range t {
			n += pyJSONLen(item)
		}
		return n
	case *jsonObject:
		n := 2 + 2*max(t.len()-1, 0)
		for _, k := range t.keys {
			n += pyStringLen(k) + 2 + pyJSONLen(t.vals[k])
		}
		return n
	}
	return 0
}

func pyStringLen(s string) int {
	n := 2
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t' || r == '\b' || r == '\f':
			n += 2
		case r >= 0x20 && r <= 0x7e:
			n++
		case r > 0xffff:
			n += 12 // a surrogate pair, \ud83d\ude00
		default:
			n += 6
		}
	}
	return n
}

// pyNumber is a JSON number as Python reads and writes it back: integers exactly, anything with a fraction or
// exponent as a float's repr.
func pyNumber(n json.Number) string {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		if strings.Trim(s, "-0") == "" {
			return "0"
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return s
	}
	return pyFloatRepr(f)
}

// pyFloatRepr is Python's repr of a float: the shortest digits that read back the same, positional between
// 1e-4 and 1e16 (with ".0" when whole), scientific outside.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	sci := strconv.FormatFloat(f, 'e', -1, 64)
	mantissa, expText, _ := strings.Cut(sci, "e")
	exp, _ := strconv.Atoi(expText)
	if f != 0 && (exp < -4 || exp >= 16) {
		sign := "+"
		if exp < 0 {
			sign, exp = "-", -exp
		}
		return fmt.Sprintf("%se%s%02d", mantissa, sign, exp)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// Limits of RapidPro's normalization of flow start extra (and, in Weni's profile, params).
const (
	maxExtraValues    = 256
	maxExtraKeyLen    = 255
	maxExtraStringLen = 640
)

// normalizeExtra is RapidPro's normalization of extra: key characters outside [A-Za-z0-9_] become "_", keys
// are cut to 255 characters and strings to 640, lists become objects keyed "0", "1", …, nulls become "", and
// it stops once 256 values (objects and lists included) have been taken.
func normalizeExtra(obj *jsonObject) *jsonObject {
	out, _ := normalizeExtraValue(obj, -1)
	return out.(*jsonObject)
}

func normalizeExtraValue(v any, count int) (any, int) {
	switch t := v.(type) {
	case string:
		return truncateRunes(t, maxExtraStringLen), count + 1
	case *jsonObject:
		count++
		out := newJSONObject()
		for _, k := range t.keys {
			var item any
			item, count = normalizeExtraValue(t.vals[k], count)
			out.set(normalizeExtraKey(k), item)
			if count >= maxExtraValues {
				break
			}
		}
		return out, count
	case []any:
		count++
		out := newJSONObject()
		for i, item := range t {
			var norm any
			norm, count = normalizeExtraValue(item, count)
			out.set(strconv.Itoa(i), norm)
			if count >= maxExtraValues {
				break
			}
		}
		return out, count
	case nil:
		return "", count + 1
	}
	return v, count + 1 // numbers and booleans
}

func normalizeExtraKey(k string) string {
	var b strings.Builder
	for _, r := range k {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return truncateRunes(b.String(), maxExtraKeyLen)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
