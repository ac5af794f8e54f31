package channeltest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/flowsd/flowsd/channels"
)

// IncomingCase is one request a gateway makes to /c/<type>/<uuid>/<action>, with what it must be answered and
// what flowsd must have been told.
type IncomingCase struct {
	Label string
	ChannelSpec

	Method string // "" is GET, or POST when the case has a Form, Multipart or Body
	Action string // the <action> of the path; one not in the type's Actions() gets the router's 404
	Query  string // the raw query string (no "?"): "+" is a space, "%2B" a plus

	// the body: at most one of them
	Form      url.Values        // an urlencoded body
	Multipart map[string]string // a multipart/form-data body, fields sorted by name
	Body      string            // a body as it is, of ContentType

	ContentType string            // the body's Content-Type; Form and Multipart set theirs unless this is given
	Headers     map[string]string // more request headers

	// what must be answered: the status (0 is 200), and at least one of WantJSON (compared as JSON, structurally),
	// WantBody (the exact body) and WantBodyContains; WantContentType, when set, is the answer's Content-Type
	WantStatus       int
	WantJSON         string
	WantBody         string
	WantBodyContains string
	WantContentType  string

	// WantReceived is what Receive must have returned, compared always (nil: nothing, as on an error); times are
	// compared as instants
	WantReceived []channels.Received
}

// RunIncoming runs each case as a subtest: the request goes through the type's Receive and, when that succeeds,
// its Respond with a fake Handled (MsgUUID(i) for the i-th message, HandledAt for the time); when it fails, the
// answer is courier's 400 written by channels.WriteError with ErrorEntries of the error. The status, the answer
// and what was received are then checked.
func RunIncoming(t *testing.T, h channels.Handler, cases []IncomingCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Label, func(t *testing.T) { runIncoming(t, h, c) })
	}
}

// Path is the path a gateway calls for an action of a test channel: /c/<type>/<uuid>/<action>/ (courier's tests
// give the trailing slash, which the router strips).
func Path(h channels.Handler, action string) string {
	return "/c/" + strings.ToLower(h.Code()) + "/" + ChannelUUID + "/" + action + "/"
}

func runIncoming(t *testing.T, h channels.Handler, c IncomingCase) {
	if c.WantJSON == "" && c.WantBody == "" && c.WantBodyContains == "" {
		t.Fatalf("the case must say what the answer is (WantJSON, WantBody or WantBodyContains)")
	}
	ch, err := c.ChannelSpec.build(h)
	if err != nil {
		t.Fatal(err)
	}
	req, err := c.request(h)
	if err != nil {
		t.Fatalf("building the request: %v", err)
	}
	reqDesc := req.Method + " " + req.URL.String()

	resp, received, err := Answer(h, ch, c.Action, req)
	if err != nil {
		t.Errorf("%s: %v", reqDesc, err)
	}
	body, _ := io.ReadAll(resp.Body)
	wantStatus := c.WantStatus
	if wantStatus == 0 {
		wantStatus = http.StatusOK
	}
	if resp.StatusCode != wantStatus {
		t.Errorf("%s: status %d, want %d; body:\n%s", reqDesc, resp.StatusCode, wantStatus, body)
	}
	if c.WantContentType != "" && resp.Header.Get("Content-Type") != c.WantContentType {
		t.Errorf("%s: Content-Type %q, want %q", reqDesc, resp.Header.Get("Content-Type"), c.WantContentType)
	}
	if c.WantBody != "" && string(body) != c.WantBody {
		t.Errorf("%s: body\n  %s\nwant\n  %s", reqDesc, body, c.WantBody)
	}
	if c.WantBodyContains != "" && !strings.Contains(string(body), c.WantBodyContains) {
		t.Errorf("%s: body\n  %s\nwant it to contain\n  %s", reqDesc, body, c.WantBodyContains)
	}
	if c.WantJSON != "" {
		if diff := JSONDiff(body, []byte(c.WantJSON)); diff != "" {
			t.Errorf("%s: answer %s", reqDesc, diff)
		}
	}
	if got, want := FormatReceived(received), FormatReceived(c.WantReceived); got != want {
		t.Errorf("%s: received\n%swant\n%s", reqDesc, orNothing(got), orNothing(want))
	}
}

// Answer is how the gateway answers a request of a type's channel: the router's 404 for an action the type
// doesn't have, the type's verification, or what its Receive read and its Respond wrote (with a fake Handled,
// MsgUUID(i) for the i-th message), or its request error. err is the type breaking its contract: Receive
// returning both an error and what it read, or Respond failing.
func Answer(h channels.Handler, ch *channels.Channel, action string, req *http.Request) (resp *http.Response, received []channels.Received, err error) {
	rec := httptest.NewRecorder()
	if !slices.Contains(h.Actions(), action) {
		// what the router answers for a path no type registered
		err = channels.WriteJSON(rec, http.StatusNotFound, "Not Found",
			map[string]string{"type": "error", "error": "not found: " + req.URL.String()})
	} else if answer, isVerify, verr := verify(h, ch, req); isVerify {
		// a webhook's verification, answered as the gateway answers it
		if verr != nil {
			err = channels.WriteError(rec, errorStatus(h), ErrorEntries(verr)...)
		} else {
			rec.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(rec, answer)
		}
	} else {
		var rerr error
		received, rerr = h.Receive(context.Background(), ch, action, req)
		if rerr != nil {
			if received != nil {
				err = fmt.Errorf("Receive returned both an error (%v) and what was received:\n%s", rerr, FormatReceived(received))
			}
			if werr := channels.WriteError(rec, errorStatus(h), ErrorEntries(rerr)...); werr != nil {
				err = werr
			}
		} else {
			handled := &channels.Handled{Received: received, At: HandledAt}
			for _, r := range received {
				if r.Msg != nil {
					handled.MsgUUIDs = append(handled.MsgUUIDs, MsgUUID(len(handled.MsgUUIDs)))
				}
			}
			if rerr := h.Respond(rec, ch, action, handled); rerr != nil {
				err = fmt.Errorf("Respond: %v", rerr)
			}
		}
	}
	return rec.Result(), received, err
}

// verify is the type's Verify of a request, when it is a channels.Verifier.
func verify(h channels.Handler, ch *channels.Channel, r *http.Request) (string, bool, error) {
	if v, ok := h.(channels.Verifier); ok {
		return v.Verify(ch, r)
	}
	return "", false, nil
}

// errorStatus is the status of the type's request errors: courier's 400 unless it is a channels.ErrorStatuser.
func errorStatus(h channels.Handler) int {
	if es, ok := h.(channels.ErrorStatuser); ok {
		return es.ErrorStatus()
	}
	return http.StatusBadRequest
}

func orNothing(s string) string {
	if s == "" {
		return "  (nothing)\n"
	}
	return s
}

// request builds the case's request.
func (c IncomingCase) request(h channels.Handler) (*http.Request, error) {
	bodies := 0
	for _, set := range []bool{c.Form != nil, c.Multipart != nil, c.Body != ""} {
		if set {
			bodies++
		}
	}
	if bodies > 1 {
		return nil, fmt.Errorf("a case has at most one of Form, Multipart and Body")
	}

	var body io.Reader
	contentType := c.ContentType
	switch {
	case c.Form != nil:
		body = strings.NewReader(c.Form.Encode())
		if contentType == "" {
			contentType = "application/x-www-form-urlencoded"
		}
	case c.Multipart != nil:
		buf := &bytes.Buffer{}
		mw := multipart.NewWriter(buf)
		names := make([]string, 0, len(c.Multipart))
		for name := range c.Multipart {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := mw.WriteField(name, c.Multipart[name]); err != nil {
				return nil, err
			}
		}
		if err := mw.Close(); err != nil {
			return nil, err
		}
		body = buf
		if contentType == "" {
			contentType = mw.FormDataContentType()
		}
	case c.Body != "":
		body = strings.NewReader(c.Body)
	}

	method := c.Method
	if method == "" {
		method = http.MethodGet
		if body != nil {
			method = http.MethodPost
		}
	}
	target := Path(h, c.Action)
	if c.Query != "" {
		target += "?" + c.Query
	}
	req := httptest.NewRequest(method, target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

// JSONDiff compares two JSON documents structurally (object keys in any order, numbers as written): "" when
// they are the same, else what differs. A got that isn't JSON is a difference.
func JSONDiff(got, want []byte) string {
	var g, w any
	if err := decodeJSON(want, &w); err != nil {
		return fmt.Sprintf("can't be compared: the wanted JSON is invalid (%v): %s", err, want)
	}
	if err := decodeJSON(got, &g); err != nil {
		return fmt.Sprintf("is not JSON (%v):\n  %s\nwant\n  %s", err, got, want)
	}
	if reflect.DeepEqual(g, w) {
		return ""
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return fmt.Sprintf("\n  %s\nwant\n  %s", gb, wb)
}

func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one value")
	}
	return nil
}

// CheckStorable fails unless what a type read can be stored: URNs valid and normalized, statuses of a message.
func CheckStorable(t *testing.T, received []channels.Received) {
	t.Helper()
	for _, r := range received {
		switch {
		case r.Msg != nil:
			if err := r.Msg.URN.Validate(); err != nil || r.Msg.URN.Normalize() != r.Msg.URN {
				t.Fatalf("message from %q, not a valid normalized URN (%v)", r.Msg.URN, err)
			}
		case r.Event != nil:
			if err := r.Event.URN.Validate(); err != nil || r.Event.URN.Normalize() != r.Event.URN {
				t.Fatalf("event of %q, not a valid normalized URN (%v)", r.Event.URN, err)
			}
		case r.Status != nil:
			// a uuid that isn't one is taken (courier takes it) and names no message
			if r.Status.MsgUUID == "" && r.Status.ExternalID == "" {
				t.Fatalf("a status that names no message: %+v", r.Status)
			}
		default:
			t.Fatalf("received nothing: %+v", r)
		}
	}
}
