package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// The expected values below are what Python 3 gives (json.loads then json.dumps, and RapidPro's
// normalization rules), checked by hand.

func TestPyNumber(t *testing.T) {
	for in, want := range map[string]string{
		"1.0": "1.0", "1e16": "1e+16", "1e15": "1000000000000000.0", "0.0001": "0.0001", "0.00001": "1e-05",
		"1.5e-7": "1.5e-07", "123456789.123": "123456789.123", "-0.0": "-0.0", "1E400": "Infinity", "-1e400": "-Infinity",
		"2.50": "2.5", "100": "100", "-0": "0", "12345678901234567890": "12345678901234567890", "1e22": "1e+22",
		"5e-324": "5e-324", "0.1": "0.1", "1.7976931348623157e308": "1.7976931348623157e+308",
	} {
		if got := pyNumber(json.Number(in)); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestPyJSONLen(t *testing.T) {
	v, err := decodeOrdered([]byte(`{"a": [1, 2, {"b": null, "c": true}], "é": "é😀\n\u0001\u007f\""}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := pyJSONLen(v); got != 85 {
		t.Errorf("length %d, want 85", got)
	}
	for text, want := range map[string]int{`{}`: 2, `[]`: 2, `{"a": []}`: 9, `[1.0, 1e400]`: 15} {
		v, _ := decodeOrdered([]byte(text))
		if got := pyJSONLen(v); got != want {
			t.Errorf("%s: length %d, want %d", text, got, want)
		}
	}
}

// TestNormalizeExtra: keys cleaned (a later key landing on an earlier one takes its place), lists become
// objects, and nothing is kept past 256 values, in the order they were sent.
func TestNormalizeExtra(t *testing.T) {
	var items []string
	for i := range 300 {
		items = append(items, fmt.Sprint(i))
	}
	v, err := decodeOrdered([]byte(`{"z": 1, "a b": [1, null, {"x-y": "v"}], "a_b": "dup", "big": [` + strings.Join(items, ",") + `], "after": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	want.WriteString(`{"z":1,"a_b":"dup","big":{`)
	for i := range 248 {
		if i > 0 {
			want.WriteByte(',')
		}
		fmt.Fprintf(&want, `"%d":%d`, i, i)
	}
	want.WriteString(`}}`)
	got, err := encodeJSON(normalizeExtra(v.(*jsonObject)), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Errorf("normalized\n%s\nwant\n%s", got, want.String())
	}
}

func TestDecodeOrderedKeepsOrder(t *testing.T) {
	v, err := decodeOrdered([]byte(`{"b": 1, "a": {"d": [true, "<&>"], "c": null}, "b": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := encodeJSON(v, 0, false)
	if want := `{"b":2,"a":{"d":[true,"<&>"],"c":null}}`; string(got) != want {
		t.Errorf("%s, want %s", got, want)
	}
	if _, err := decodeOrdered([]byte(`{"a": 1} x`)); err == nil {
		t.Error("trailing data accepted")
	}
}
