package channeltest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/channels"
	"github.com/nyaruka/gocommon/httpx"
	"github.com/nyaruka/gocommon/urns"
)

// echo is a minimal type to run the harness itself on.
type echo struct{}

func (echo) Code() string      { return "XX" }
func (echo) Name() string      { return "Echo" }
func (echo) Schemes() []string { return []string{"ext"} }
func (echo) Actions() []string { return []string{"receive"} }

func (echo) Receive(ctx context.Context, ch *channels.Channel, action string, r *http.Request) ([]channels.Received, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, err
	}
	from := r.FormValue("from")
	if from == "" {
		return nil, multi{errors.New("no from"), errors.New("field 'from' required")}
	}
	return []channels.Received{{Msg: &channels.ReceivedMsg{URN: urns.URN("ext:" + from), Text: r.FormValue("text")}}}, nil
}

func (echo) Respond(w http.ResponseWriter, ch *channels.Channel, action string, h *channels.Handled) error {
	return channels.WriteHandled(w, ch, h)
}

func (echo) Send(ctx context.Context, ch *channels.Channel, msg *channels.Outgoing, client *http.Client) *channels.SendResult {
	req, _ := http.NewRequestWithContext(ctx, "POST", ch.Config.String("send_url", "")+"?n="+ch.Config.String("n", ""), strings.NewReader(msg.Text))
	req.Header.Set("X-Key", ch.Config.String("api_key", ""))
	resp, err := client.Do(req)
	if err != nil {
		return channels.Errored(channels.ErrorConnectionFailed, err.Error())
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return channels.Wired(resp.Header.Get("X-Id"))
}

func (echo) Secrets(ch *channels.Channel) []string { return []string{ch.Config.String("api_key", "")} }

type multi []error

func (m multi) Error() string   { return m[0].Error() }
func (m multi) Errors() []error { return m }

func TestHarnessIncoming(t *testing.T) {
	RunIncoming(t, echo{}, []IncomingCase{
		{
			Label: "query", Action: "receive", Query: "from=a+b&text=hi",
			WantJSON: `{"data":[{"urn":"ext:a b","type":"msg","text":"hi","received_on":"2026-01-02T03:04:05.678Z","msg_uuid":"` + MsgUUID(0) +
				`","channel_uuid":"` + ChannelUUID + `"}],"message":"Message Accepted"}`,
			WantReceived: []channels.Received{{Msg: &channels.ReceivedMsg{URN: "ext:a b", Text: "hi"}}},
		},
		{
			Label: "multipart", Action: "receive", Multipart: map[string]string{"from": "x", "text": "yo"},
			WantBodyContains: `"text":"yo"`, WantReceived: []channels.Received{{Msg: &channels.ReceivedMsg{URN: "ext:x", Text: "yo"}}},
		},
		{
			Label: "several error entries", Action: "receive",
			WantStatus: 400, WantBody: `{"message":"Error","data":[{"type":"error","error":"no from"},{"type":"error","error":"field 'from' required"}]}`,
		},
		{
			Label: "unknown action", Action: "status", Query: "a=1",
			WantStatus: 404, WantJSON: `{"message":"Not Found","data":[{"type":"error","error":"not found: /c/xx/` + ChannelUUID + `/status/?a=1"}]}`,
		},
	})
}

func TestHarnessOutgoing(t *testing.T) {
	cfg := channels.Config{"send_url": GatewayURL + "/s", "api_key": "sekrit", "n": 5}
	RunOutgoing(t, echo{}, []OutgoingCase{
		{
			Label: "sent", ChannelSpec: ChannelSpec{Config: cfg}, Msg: channels.Outgoing{Text: "hello"},
			Responses:    []Response{{Headers: map[string]string{"X-Id": "ext-1"}}},
			WantRequests: []Request{{Method: "POST", Path: "/s?n=5", Headers: map[string]string{"X-Key": "sekrit"}, NoHeaders: []string{"Authorization"}, Body: "hello"}},
			WantStatus:   channels.SendWired, WantExternalID: "ext-1", Secrets: []string{"sekrit"},
		},
		{
			Label: "unreachable", ChannelSpec: ChannelSpec{Config: cfg}, Msg: channels.Outgoing{Text: "hello"}, Unreachable: true,
			WantStatus: channels.SendErrored, WantError: channels.ErrorConnectionFailed, Secrets: []string{"sekrit"},
		},
	})
	if cfg["send_url"] != GatewayURL+"/s" {
		t.Errorf("the case's config was changed: %v", cfg)
	}
}

func trace(request, response string) *httpx.Trace {
	req, _ := http.NewRequest("GET", "http://gw.test/send", nil)
	return &httpx.Trace{Request: req, RequestTrace: []byte(request), ResponseTrace: []byte(response)}
}

func TestRedactionProblems(t *testing.T) {
	traces := []*httpx.Trace{trace("GET /send HTTP/1.1\r\nAuthorization: Bearer X1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n"), trace("GET /send?k=a+b%26c HTTP/1.1\r\n\r\n", "")}
	tests := []struct {
		label             string
		typeSecrets, decl []string
		want              []string // substrings of each problem, in order
	}{
		{"redacted", []string{"Bearer X1"}, []string{"Bearer X1"}, nil},
		{"a type secret absent from the traffic is fine", []string{"Bearer X1", "other"}, nil, nil},
		{"declared but not redacted", nil, []string{"Bearer X1"}, []string{`trace 1 still shows secret "Bearer X1"`}},
		{"declared but never sent", []string{"Bearer X1"}, []string{"nope"}, []string{`declared secret "nope" never appears`}},
		{"empty type secret", []string{""}, nil, []string{"Secrets returned an empty value"}},
		{"escaped form", []string{"a b&c"}, nil, []string{`trace 2 shows secret "a b&c" query-escaped`}},
	}
	for _, tc := range tests {
		got := redactionProblems(tc.typeSecrets, tc.decl, traces)
		if len(got) != len(tc.want) {
			t.Errorf("%s: problems %q, want %d", tc.label, got, len(tc.want))
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], tc.want[i]) {
				t.Errorf("%s: problem %q, want it to contain %q", tc.label, got[i], tc.want[i])
			}
		}
	}
}

func TestJSONDiff(t *testing.T) {
	if d := JSONDiff([]byte(`{"a":[1,{"b":"c"}],"d":null}`), []byte(`{"d":null,"a":[1,{"b":"c"}]}`)); d != "" {
		t.Errorf("same documents differ: %s", d)
	}
	for _, pair := range [][2]string{{`{"a":1}`, `{"a":2}`}, {`{"a":1}`, `{"a":1,"b":1}`}, {`[1,2]`, `[2,1]`}, {`nope`, `{}`}, {`{}`, `nope`}, {`{} {}`, `{}`}} {
		if d := JSONDiff([]byte(pair[0]), []byte(pair[1])); d == "" {
			t.Errorf("%s and %s are the same", pair[0], pair[1])
		}
	}
}

func TestFormatReceived(t *testing.T) {
	at := time.Date(2017, 6, 23, 12, 30, 0, 0, time.UTC)
	a := []channels.Received{{Msg: &channels.ReceivedMsg{URN: "tel:+1", ReceivedOn: at.In(time.FixedZone("X", 7200))}}}
	b := []channels.Received{{Msg: &channels.ReceivedMsg{URN: "tel:+1", ReceivedOn: at}}}
	if FormatReceived(a) != FormatReceived(b) {
		t.Errorf("the same instant differs:\n%s%s", FormatReceived(a), FormatReceived(b))
	}
	c := []channels.Received{{Msg: &channels.ReceivedMsg{URN: "tel:+1"}}}
	if FormatReceived(a) == FormatReceived(c) {
		t.Errorf("a time and no time are the same")
	}
	bad := FormatReceived([]channels.Received{{Msg: &channels.ReceivedMsg{}, Status: &channels.ReceivedStatus{}}, {}})
	if strings.Count(bad, "INVALID") != 2 {
		t.Errorf("items without exactly one part aren't flagged:\n%s", bad)
	}
	if FormatReceived(nil) != "" {
		t.Errorf("nothing is %q", FormatReceived(nil))
	}
}

func TestErrorEntries(t *testing.T) {
	e := errors.New("one")
	if got := ErrorEntries(e); len(got) != 1 || got[0] != e {
		t.Errorf("entries %v", got)
	}
	if got := ErrorEntries(multi{e, errors.New("two")}); len(got) != 2 || got[1].Error() != "two" {
		t.Errorf("entries %v", got)
	}
}

func TestStoredConfig(t *testing.T) {
	in := channels.Config{"n": 30, "b": true, "h": map[string]any{"k": "v"}}
	out := storedConfig(in)
	if n, ok := out["n"].(json.Number); !ok || n.String() != "30" {
		t.Errorf("n is %T %v", out["n"], out["n"])
	}
	mapConfigStrings(out, strings.ToUpper)
	if in["h"].(map[string]any)["k"] != "v" || out["h"].(map[string]any)["k"] != "V" || out["b"] != true {
		t.Errorf("in %v out %v", in, out)
	}
}
