package channeltest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/channels"
	"github.com/nyaruka/gocommon/httpx"
	"github.com/nyaruka/gocommon/stringsx"
)

// GatewayURL stands for the local gateway in cases' configs: every config string holding it (send_url, say, or
// a header's value) gets the test server's URL in its place, e.g. "send_url": GatewayURL + "/send?to={{to}}".
const GatewayURL = "http://gateway.test"

// OutgoingMsgUUID and OutgoingMsgID are a case's message's UUID and id when it gives none.
const (
	OutgoingMsgUUID = "0191e180-7d60-7000-aded-7d8b151cbd5b"
	OutgoingMsgID   = 10
)

// RedactMask is what the redaction check replaces secrets with.
const RedactMask = "**********"

// Response is what the local gateway answers to one request.
type Response struct {
	Status  int // 0 is 200
	Body    string
	Headers map[string]string
	Delay   time.Duration // how long it waits before answering (timeouts)
}

// Request is a request the gateway must see.
type Request struct {
	Method    string
	Path      string            // the path and query exactly as sent (the request URI)
	Headers   map[string]string // headers it must have, each with exactly this value (one value)
	NoHeaders []string          // headers it must not have
	Body      string            // the exact body ("" is none)
}

// OutgoingCase is one message sent through the type's Send against a local gateway.
type OutgoingCase struct {
	Label string
	ChannelSpec

	// Msg is the message; an empty UUID is OutgoingMsgUUID and a zero ID OutgoingMsgID
	Msg channels.Outgoing

	// Responses are the gateway's answers, one per request in order; a request beyond them gets a 599 and fails
	// the case
	Responses []Response
	// Unreachable points GatewayURL at a local port where nothing listens (connection refused)
	Unreachable bool
	// Timeout is the client's timeout (default 10 s)
	Timeout time.Duration

	WantRequests []Request // compared always, in order

	WantStatus     channels.SendStatus
	WantError      string               // the code of the result's one error, "" for none (unless WantErrors)
	WantErrors     []channels.SendError // when set, the result's errors exactly, instead of WantError
	WantExternalID string
	WantRetryAfter time.Duration

	// Secrets are values the case knows are secret and sends: each must appear in the raw traffic (else the
	// redaction check proves nothing) and none may survive redaction with the type's Secrets(ch)
	Secrets []string
}

type seenRequest struct {
	method, path, body string
	header             http.Header
}

// RunOutgoing runs each case as a subtest: a local httptest.Server plays the gateway (GatewayURL in the config
// points at it) answering with the case's Responses and capturing every request; Send is given a client whose
// transport traces every call (httpx.WithTraces, a collector on the context). The requests, the result, and the
// redaction of every trace with Secrets(ch) (plus the case's Secrets) are then checked.
func RunOutgoing(t *testing.T, h channels.Handler, cases []OutgoingCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Label, func(t *testing.T) { runOutgoing(t, h, c) })
	}
}

func runOutgoing(t *testing.T, h channels.Handler, c OutgoingCase) {
	ch, err := c.ChannelSpec.build(h)
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu    sync.Mutex
		seen  []seenRequest
		extra []string
	)
	base := ""
	if c.Unreachable {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base = "http://" + l.Addr().String()
		l.Close()
	} else {
		server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			i := len(seen)
			seen = append(seen, seenRequest{method: r.Method, path: r.RequestURI, body: string(body), header: r.Header.Clone()})
			if i >= len(c.Responses) {
				extra = append(extra, r.Method+" "+r.RequestURI)
			}
			mu.Unlock()

			if i >= len(c.Responses) {
				w.WriteHeader(599)
				fmt.Fprintf(w, "channeltest: no response for request %d", i+1)
				return
			}
			resp := c.Responses[i]
			if resp.Delay > 0 {
				select {
				case <-time.After(resp.Delay):
				case <-r.Context().Done():
					return
				}
			}
			for k, v := range resp.Headers {
				w.Header().Set(k, v)
			}
			status := resp.Status
			if status == 0 {
				status = http.StatusOK
			}
			w.WriteHeader(status)
			io.WriteString(w, resp.Body)
		}))
		defer server.Close()
		base = server.URL
	}
	mapConfigStrings(ch.Config, func(s string) string { return strings.ReplaceAll(s, GatewayURL, base) })

	msg := c.Msg
	msg.Attachments = slices.Clone(msg.Attachments)
	msg.QuickReplies = slices.Clone(msg.QuickReplies)
	if msg.UUID == "" {
		msg.UUID = OutgoingMsgUUID
	}
	if msg.ID == 0 {
		msg.ID = OutgoingMsgID
	}

	timeout := c.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: httpx.WithTraces(transport), Timeout: timeout}
	ctx, collector := httpx.WithTraceCollector(context.Background())

	res := h.Send(ctx, ch, &msg, client)

	mu.Lock()
	got := slices.Clone(seen)
	mu.Unlock()

	// the requests
	for _, e := range extra {
		t.Errorf("the gateway got a request beyond the case's Responses: %s", e)
	}
	if len(got) != len(c.WantRequests) {
		t.Errorf("the gateway got %d requests, want %d", len(got), len(c.WantRequests))
		for i, r := range got {
			t.Logf("request %d: %s %s\n%s    body: %s", i+1, r.method, r.path, formatHeaders(r.header), r.body)
		}
	}
	for i := 0; i < len(got) && i < len(c.WantRequests); i++ {
		checkRequest(t, i+1, got[i], c.WantRequests[i])
	}

	// the result
	if res == nil {
		t.Fatalf("Send returned no result")
	}
	if res.Status != c.WantStatus {
		t.Errorf("status %q, want %q (errors %+v)", res.Status, c.WantStatus, res.Errors)
	}
	if c.WantErrors != nil {
		if !reflect.DeepEqual(res.Errors, c.WantErrors) {
			t.Errorf("errors %+v, want %+v", res.Errors, c.WantErrors)
		}
	} else {
		var codes []string
		for _, e := range res.Errors {
			codes = append(codes, e.Code)
		}
		switch {
		case c.WantError == "" && len(codes) > 0:
			t.Errorf("errors %+v, want none", res.Errors)
		case c.WantError != "" && !reflect.DeepEqual(codes, []string{c.WantError}):
			t.Errorf("error codes %q, want [%q]", codes, c.WantError)
		}
	}
	if res.ExternalID != c.WantExternalID {
		t.Errorf("external id %q, want %q", res.ExternalID, c.WantExternalID)
	}
	if res.RetryAfter != c.WantRetryAfter {
		t.Errorf("retry after %s, want %s", res.RetryAfter, c.WantRetryAfter)
	}

	for _, p := range redactionProblems(h.Secrets(ch), c.Secrets, collector.Traces()) {
		t.Error(p)
	}
}

func checkRequest(t *testing.T, n int, got seenRequest, want Request) {
	t.Helper()
	if got.method != want.Method {
		t.Errorf("request %d: method %s, want %s", n, got.method, want.Method)
	}
	if got.path != want.Path {
		t.Errorf("request %d: path\n  %s\nwant\n  %s", n, got.path, want.Path)
	}
	for k, v := range want.Headers {
		if vs := got.header.Values(k); len(vs) != 1 || vs[0] != v {
			t.Errorf("request %d: header %s %q, want %q; headers:\n%s", n, k, vs, v, formatHeaders(got.header))
		}
	}
	for _, k := range want.NoHeaders {
		if vs := got.header.Values(k); len(vs) > 0 {
			t.Errorf("request %d: header %s %q, want none", n, k, vs)
		}
	}
	if got.body != want.Body {
		t.Errorf("request %d: body\n  %s\nwant\n  %s", n, got.body, want.Body)
	}
}

// redactionProblems is the check a channel log relies on: every trace, redacted with the type's secrets, shows
// none of them (nor the case's declared ones, nor their query-escaped forms); and each declared secret is in the
// raw traffic, so that the check is not passed by sending nothing. It says what is wrong, nothing when all is well.
func redactionProblems(typeSecrets, declared []string, traces []*httpx.Trace) []string {
	var problems []string
	var redactable []string
	for _, s := range typeSecrets {
		if s == "" {
			problems = append(problems, "Secrets returned an empty value: redacting it would mask every character of the logs")
		} else {
			redactable = append(redactable, s)
		}
	}
	redact := stringsx.NewRedactor(RedactMask, redactable...)

	raw := make([]string, len(traces))
	for i, tr := range traces {
		raw[i] = traceText(tr)
	}
	for _, s := range declared {
		if s == "" {
			problems = append(problems, "a declared secret is empty")
			continue
		}
		if !slices.ContainsFunc(raw, func(r string) bool { return strings.Contains(r, s) }) {
			problems = append(problems, fmt.Sprintf("declared secret %q never appears in the traffic (%d traces): the redaction check would pass vacuously", s, len(traces)))
		}
	}

	check := slices.Concat(redactable, declared)
	for i, r := range raw {
		redacted := redact(r)
		for _, s := range check {
			if s == "" {
				continue
			}
			if strings.Contains(redacted, s) {
				problems = append(problems, fmt.Sprintf("trace %d still shows secret %q after redaction:\n%s", i+1, s, redacted))
			} else if esc := url.QueryEscape(s); esc != s && strings.Contains(redacted, esc) {
				problems = append(problems, fmt.Sprintf("trace %d shows secret %q query-escaped (%q) after redaction: Secrets must give that form too", i+1, s, esc))
			}
		}
	}
	return problems
}

// traceText is all of a trace a log could show: the URL, the request as sent, the response's head and body.
func traceText(tr *httpx.Trace) string {
	var b strings.Builder
	if tr.Request != nil && tr.Request.URL != nil {
		b.WriteString(tr.Request.URL.String())
		b.WriteByte('\n')
	}
	b.Write(tr.RequestTrace)
	b.WriteByte('\n')
	b.Write(tr.ResponseTrace)
	b.Write(tr.ResponseBody)
	return b.String()
}
