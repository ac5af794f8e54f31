package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// input is a request body: a JSON object, or form fields (each a string, or a list when repeated).
type input struct {
	values map[string]any
	form   bool
	raw    []byte // a JSON body as sent, for fields whose key order matters (see pyjson.go)
}

// readBodyBytes reads the request body, refusing one over maxBytes.
func readBodyBytes(r *http.Request, maxBytes int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errDetail(http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body exceeds the limit of %d bytes.", maxBytes))
		}
		return nil, errDetail(http.StatusBadRequest, "Could not read the request body.")
	}
	return body, nil
}

// readJSONDocument reads a body that is one JSON object taken as a whole (an export), as it was sent: only JSON
// is accepted, and malformed JSON gets the same answers as in any other body.
func readJSONDocument(r *http.Request, maxBytes int64) ([]byte, error) {
	body, err := readBodyBytes(r, maxBytes)
	if err != nil {
		return nil, err
	}
	contentType := r.Header.Get("Content-Type")
	if mediaType, _, _ := mime.ParseMediaType(contentType); mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json") {
		return nil, errDetail(http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request.", contentType))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return []byte("{}"), nil
	}
	if _, err := parseJSONBody(body); err != nil {
		return nil, err
	}
	return body, nil
}

// readBody parses the request body the way Django REST framework's JSON, form and multipart parsers do.
func readBody(r *http.Request, maxBytes int64) (*input, error) {
	body, err := readBodyBytes(r, maxBytes)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &input{values: map[string]any{}}, nil
	}

	contentType := r.Header.Get("Content-Type")
	mediaType, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return parseJSONBody(body)
	case mediaType == "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errDetail(http.StatusBadRequest, "Form parse error - "+err.Error())
		}
		return formInput(vals), nil
	case mediaType == "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseMultipartForm(maxBytes); err != nil {
			return nil, errDetail(http.StatusBadRequest, "Multipart form parse error - "+err.Error())
		}
		return formInput(r.MultipartForm.Value), nil
	}
	return nil, errDetail(http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request.", contentType))
}

// formInput reads form fields. Invalid UTF-8 becomes U+FFFD, as Django decodes forms.
func formInput(vals map[string][]string) *input {
	in := &input{values: map[string]any{}, form: true}
	for k, vs := range vals {
		k = strings.ToValidUTF8(k, "\uFFFD")
		for i := range vs {
			vs[i] = strings.ToValidUTF8(vs[i], "\uFFFD")
		}
		if len(vs) == 1 {
			in.values[k] = vs[0]
		} else {
			list := make([]any, len(vs))
			for i, v := range vs {
				list[i] = v
			}
			in.values[k] = list
		}
	}
	return in
}

func parseJSONBody(body []byte) (*input, error) {
	body, err := readUTF8(body)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	err = dec.Decode(&v)
	if err == nil {
		// anything after the value is an error too, as in Python's json.loads
		if _, extra := dec.Token(); extra != io.EOF {
			return nil, jsonParseError(body, int(dec.InputOffset()), "Extra data")
		}
	}
	if err != nil {
		return nil, describeJSONError(body, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errNonField("Request body should be a single JSON object")
	}
	return &input{values: obj, raw: body}, nil
}

// readUTF8 reads a JSON body as DRF's parser does, through Python's UTF-8 stream reader: the first sequence
// that isn't UTF-8 is a 400 in Python's words (rather than U+FFFD stored in its place), and an incomplete one
// at the very end is dropped, as that reader keeps it back waiting for more.
func readUTF8(body []byte) ([]byte, error) {
	for i := 0; i < len(body); {
		if r, size := utf8.DecodeRune(body[i:]); r != utf8.RuneError || size > 1 {
			i += size
			continue
		}
		n, lo, hi := utf8Sequence(body[i])
		if n == 0 {
			return nil, utf8Error(body, i, i+1, "invalid start byte")
		}
		k := 1
		for ; k < n && i+k < len(body); k++ {
			if c := body[i+k]; c < lo || c > hi {
				break
			}
			lo, hi = 0x80, 0xBF // only the second byte's range depends on the first
		}
		if i+k == len(body) {
			return body[:i], nil
		}
		return nil, utf8Error(body, i, i+k, "invalid continuation byte")
	}
	return body, nil
}

// utf8Sequence gives the length of the UTF-8 sequence a first byte starts and the range its second byte must
// be in (no overlong forms, surrogates or code points past U+10FFFF); 0 for a byte no sequence starts with.
func utf8Sequence(b byte) (n int, lo, hi byte) {
	switch {
	case b >= 0xC2 && b <= 0xDF:
		return 2, 0x80, 0xBF
	case b == 0xE0:
		return 3, 0xA0, 0xBF
	case b == 0xED:
		return 3, 0x80, 0x9F
	case b >= 0xE1 && b <= 0xEF:
		return 3, 0x80, 0xBF
	case b == 0xF0:
		return 4, 0x90, 0xBF
	case b >= 0xF1 && b <= 0xF3:
		return 4, 0x80, 0xBF
	case b == 0xF4:
		return 4, 0x80, 0x8F
	}
	return 0, 0, 0
}

// utf8Error is Python's UnicodeDecodeError for the bytes [start, end), as DRF passes it on.
func utf8Error(body []byte, start, end int, reason string) error {
	where := fmt.Sprintf("byte 0x%02x in position %d", body[start], start)
	if end-start > 1 {
		where = fmt.Sprintf("bytes in position %d-%d", start, end-1)
	}
	return errDetail(http.StatusBadRequest, fmt.Sprintf("JSON parse error - 'utf-8' codec can't decode %s: %s", where, reason))
}

// unterminatedString gives where the string a body ends inside opens, -1 when it ends outside one.
func unterminatedString(body []byte) int {
	start := -1
	for i := 0; i < len(body); i++ {
		switch {
		case start < 0 && body[i] == '"':
			start = i
		case start >= 0 && body[i] == '\\':
			i++
		case start >= 0 && body[i] == '"':
			start = -1
		}
	}
	return start
}

// describeJSONError words a decoding failure as Python's json module does, which DRF passes on.
func describeJSONError(body []byte, err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		offset := int(syntax.Offset) - 1
		msg := syntax.Error()
		reason := "Expecting value"
		switch {
		case strings.Contains(msg, "looking for beginning of object key string"):
			reason = "Expecting property name enclosed in double quotes"
		case strings.Contains(msg, "after object key:value pair"), strings.Contains(msg, "after array element"):
			reason = "Expecting ',' delimiter"
		case strings.Contains(msg, "after object key"):
			reason = "Expecting ':' delimiter"
		case strings.Contains(msg, "in string literal"):
			reason = "Invalid control character at"
		case strings.Contains(msg, "in string escape code"):
			reason = "Invalid \\escape"
		case strings.Contains(msg, "after top-level value"):
			reason = "Extra data"
		}
		return jsonParseError(body, max(offset, 0), reason)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		if start := unterminatedString(body); start >= 0 {
			return jsonParseError(body, start, "Unterminated string starting at")
		}
		return jsonParseError(body, len(body), "Expecting value")
	}
	return errDetail(http.StatusBadRequest, "JSON parse error - "+err.Error())
}

func jsonParseError(body []byte, offset int, reason string) error {
	offset = min(offset, len(body))
	line := 1 + bytes.Count(body[:offset], []byte("\n"))
	col := offset + 1
	if i := bytes.LastIndexByte(body[:offset], '\n'); i >= 0 {
		col = offset - i
	}
	return errDetail(http.StatusBadRequest, fmt.Sprintf("JSON parse error - %s: line %d column %d (char %d)", reason, line, col, offset))
}
