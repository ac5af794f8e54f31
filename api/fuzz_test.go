package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzCursor checks that any ?cursor= decodes to a usable position or to the API's "Invalid cursor" 404, that
// a decoded cursor encodes back to itself, and that any position a listing can stand on survives the trip.
func FuzzCursor(f *testing.F) {
	at := time.Date(2025, 3, 1, 10, 0, 0, 123456789, time.UTC)
	for _, cur := range []cursor{{Time: at, ID: 1}, {Time: at, Key: "bob", ID: 42, Backward: true}, {ID: 1 << 62, Key: "é\x00\""}} {
		f.Add(cur.encode(), cur.Time.Unix(), int64(cur.Time.Nanosecond()), cur.Key, cur.ID, cur.Backward)
	}
	for _, s := range []string{"", "=", "e30", "eyJpIjowfQ", "eyJpIjotMX0", "eyJ0IjoiIiwiaSI6MX0", "eyJ0IjoiMjAyNS0wMS0wMVQwMDowMDowMFoiLCJpIjoxfQ==",
		"!!!", "eyJpIjoxLCJ0IjoiMTAwMDAtMDEtMDFUMDA6MDA6MDBaIn0", "bnVsbA", "W10", "eyJpIjoxZTk5OX0"} {
		f.Add(s, int64(0), int64(0), "", int64(1), false)
	}

	f.Fuzz(func(t *testing.T, s string, sec, nsec int64, key string, id int64, backward bool) {
		cur, err := decodeCursor(s)
		if err != nil {
			if err != errInvalidCursor || cur != nil {
				t.Fatalf("decodeCursor(%q) = %v, %v; want errInvalidCursor", s, cur, err)
			}
		} else {
			if cur.ID <= 0 {
				t.Fatalf("decodeCursor(%q) = %+v, an id no row has", s, cur)
			}
			sameCursor(t, *cur)
		}

		// a position of a row: a time a database keeps (years 1 to 9999), text (valid UTF-8), an id
		tm := time.Unix(sec, nsec%1e9).UTC()
		if tm.Year() < 1 || tm.Year() > 9999 || id <= 0 || !utf8.ValidString(key) {
			return
		}
		sameCursor(t, cursor{Time: tm, Key: key, ID: id, Backward: backward})
	})
}

// sameCursor checks that a cursor encodes to one that decodes back to it.
func sameCursor(t *testing.T, cur cursor) {
	t.Helper()
	s := cur.encode()
	back, err := decodeCursor(s)
	if err != nil {
		t.Fatalf("%+v encodes to %q, which doesn't decode: %v", cur, s, err)
	}
	if !back.Time.Equal(cur.Time) || back.Key != cur.Key || back.ID != cur.ID || back.Backward != cur.Backward {
		t.Fatalf("%+v encodes to %q, which decodes to %+v", cur, s, *back)
	}
}

// FuzzReadBody checks that any body of any content type is read as an input or refused with an API error
// (400, 413 or 415), never half-read; that JSON bodies are taken exactly when they are one valid JSON object;
// and that the serializer readers take any value of any field, recording an error for each one they refuse.
func FuzzReadBody(f *testing.F) {
	for _, seed := range []struct{ body, contentType string }{
		{`{"name": "Bob", "urns": ["tel:+250788123123"], "fields": {"age": 3}, "groups": [], "blocked": "true", "n": "5.0"}`, "application/json"},
		{`{"text": null, "name": 12, "urns": "x", "fields": [1], "blocked": 1.0, "n": 1e400}`, "application/json; charset=utf-8"},
		{`[1, 2]`, "application/json"}, {`{} {}`, "application/json"}, {`{"a": "\u00"}`, "application/vnd.api+json"},
		{"{\n  \"a\": 1,\n}", "application/json"}, {`{"a" 1}`, "application/json"}, {`{"a": "` + "\x01" + `"}`, "application/json"},
		{"", "application/json"}, {"   ", "text/plain"}, {`{"a": 1}`, ""}, {`{"a": 1}`, "text/plain"}, {"\xff\xfe", "application/json"},
		{"name=Bob&urns=tel%3A123&urns=tel%3A456&blocked=on&n=7", "application/x-www-form-urlencoded"},
		{"name=%zz&x", "application/x-www-form-urlencoded"}, {"name=\xff%ff", "application/x-www-form-urlencoded; charset=latin1"},
		{"--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nBob\r\n--b--\r\n", "multipart/form-data; boundary=b"},
		{"--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nBob", "multipart/form-data; boundary=b"},
		{"x", "multipart/form-data"}, {"x", "multipart/form-data; boundary="}, {"x", "application/json; =;"},
		{`{"name": "` + strings.Repeat("a", 300) + `"}`, "application/json"}, {`{"name": "a\u0000b"}`, "application/json"},
	} {
		f.Add([]byte(seed.body), seed.contentType, uint16(1000))
		f.Add([]byte(seed.body), seed.contentType, uint16(8))
	}

	f.Fuzz(func(t *testing.T, body []byte, contentType string, limit uint16) {
		maxBytes := int64(limit) + 1
		in, err := readBody(fuzzRequest(body, contentType), maxBytes)
		if err != nil {
			checkAPIError(t, err, body, contentType, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
		} else {
			if in == nil || in.values == nil {
				t.Fatalf("%q (%s): readBody gave no values", body, contentType)
			}
			fuzzReaders(t, in)
		}
		if int64(len(body)) > maxBytes && err == nil {
			t.Fatalf("%q (%s): a body over %d bytes was read", body, contentType, maxBytes)
		}

		// a JSON body is taken exactly when it is UTF-8 (as Python decodes it: an incomplete last character is
		// dropped) and one JSON object (a body of whitespace is none)
		parsed, perr := parseJSONBody(body)
		var isObject bool
		if text, uerr := readUTF8(body); uerr == nil && json.Valid(text) {
			isObject = bytes.HasPrefix(bytes.TrimSpace(text), []byte("{"))
		}
		if (perr == nil) != isObject {
			t.Fatalf("%q: parseJSONBody gave %v, %v; a JSON object: %v", body, parsed, perr, isObject)
		}
		if perr != nil {
			checkAPIError(t, perr, body, "application/json", http.StatusBadRequest)
		}

		doc, derr := readJSONDocument(fuzzRequest(body, contentType), maxBytes)
		if derr != nil {
			checkAPIError(t, derr, body, contentType, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
		} else if !json.Valid(doc) {
			t.Fatalf("%q (%s): readJSONDocument gave %q, not JSON", body, contentType, doc)
		}
	})
}

func fuzzRequest(body []byte, contentType string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/v2/contacts.json", bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// checkAPIError fails unless err is an API error of one of the statuses, whose body is JSON.
func checkAPIError(t *testing.T, err error, body []byte, contentType string, statuses ...int) {
	t.Helper()
	var apiErr *apiError
	if !errors.As(err, &apiErr) {
		t.Fatalf("%q (%s): %T %v, not an API error", body, contentType, err, err)
	}
	known := false
	for _, s := range statuses {
		known = known || apiErr.status == s
	}
	if !known {
		t.Fatalf("%q (%s): status %d (%v), want one of %v", body, contentType, apiErr.status, err, statuses)
	}
	if b, merr := json.Marshal(apiErr.body); merr != nil || !json.Valid(b) {
		t.Fatalf("%q (%s): error body %v doesn't marshal: %v", body, contentType, apiErr.body, merr)
	}
}

// fuzzReaders reads every field of an input with every serializer reader.
func fuzzReaders(t *testing.T, in *input) {
	t.Helper()
	lo, hi := 1, 10
	for name := range in.values {
		for _, read := range []func(v *validation) (present, ok bool){
			func(v *validation) (bool, bool) {
				_, present, ok := in.char(v, name, charField{maxLen: 64, minLen: 2, validators: []func(string) []string{nameValidator(64)}})
				return present, ok
			},
			func(v *validation) (bool, bool) {
				_, present, ok := in.char(v, name, charField{required: true, allowNull: true, allowBlank: true})
				return present, ok
			},
			func(v *validation) (bool, bool) {
				_, present, ok := in.choice(v, name, true, "a", "b")
				return present, ok
			},
			func(v *validation) (bool, bool) { _, present, ok := in.list(v, name, 3); return present, ok },
			func(v *validation) (bool, bool) { _, present, ok := in.dict(v, name, 3); return present, ok },
			func(v *validation) (bool, bool) { _, ok := in.boolean(v, name, false); return true, ok },
			func(v *validation) (bool, bool) { _, ok := in.integer(v, name, false, &lo, &hi); return true, ok },
		} {
			v := &validation{}
			present, ok := read(v)
			if !present {
				t.Fatalf("field %q is in the input but read as absent", name)
			}
			if ok == v.failed() {
				t.Fatalf("field %q (%#v): ok %v, errors %v", name, in.values[name], ok, v.errs)
			}
			if b, err := json.Marshal(errValidation(v).body); err != nil || !json.Valid(b) {
				t.Fatalf("field %q: errors don't marshal: %v", name, err)
			}
		}
	}
}
