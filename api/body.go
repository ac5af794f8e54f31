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
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
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
