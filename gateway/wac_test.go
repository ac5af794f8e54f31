package gateway_test

// WhatsApp Cloud (WAC) end to end: webhooks signed as Meta signs them posted over real HTTP, a real flow, the
// sender posting to the fake Graph server (graphtest), on both databases.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/channels/wac/graphtest"
	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/gateway"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/throttle"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/utils"
)

const (
	wacToken  = "EAAG-wac-token-5b1e77"
	wacSecret = "wac-app-secret-93c0d1"
	wacVerify = "wac-verify-token-1f2e"
	wacPhone  = "106540352242922"
	kerryWaID = "250788123123"
)

type wacEnv struct {
	*env
	graph    *graphtest.Server
	wac      *models.Channel
	mediaDir string
}

// newWACEnv is the gateway's env with a WAC channel of ws talking to a fake Graph server; the app secret and
// verify token are the server's defaults (FLOWSD_WAC_*), the token the channel's own.
func newWACEnv(t testing.TB, d models.Dialect, extra map[string]any, configure ...func(*runtime.Config)) *wacEnv {
	e := newEnv(t, d)
	w := &wacEnv{env: e, graph: graphtest.New(wacToken), mediaDir: t.TempDir()}
	t.Cleanup(w.graph.Close)
	e.process = e.newProcessWith(e.db.Store, throttle.NewMemory(e.limiter.Now), func(c *runtime.Config) {
		c.MediaDir = w.mediaDir
		c.ChannelDefaults = map[string]map[string]string{"WAC": {"app_secret": wacSecret, "verify_token": wacVerify}}
		for _, f := range configure {
			f(c)
		}
	})
	e.server = httptest.NewServer(handler(e.gw))
	t.Cleanup(e.server.Close)
	cfg := map[string]any{"access_token": wacToken, "graph_url": w.graph.URL, "graph_version": graphtest.Version, "wa_waba_id": "waba1", "wa_number": "+250 788 000 200"}
	for k, v := range extra {
		cfg[k] = v
	}
	b, _ := json.Marshal(cfg)
	ch, err := e.store.CreateChannel(e.ctx, e.ws.ID, models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: wacPhone, Schemes: []string{"whatsapp"}, Config: string(b)})
	e.must(err)
	w.wac = ch
	return w
}

// post posts a webhook signed with the app secret (or sig when given) to /c/wac/receive.
func (w *wacEnv) post(body []byte, sig ...string) answer {
	w.t.Helper()
	signature := graphtest.Sign(body, wacSecret)
	if len(sig) > 0 {
		signature = sig[0]
	}
	req, err := graphtest.WebhookRequest(w.server.URL+"/c/wac/receive", body, signature)
	w.must(err)
	return w.do(req)
}

func (w *wacEnv) now() string { return fmt.Sprint(w.clock.Now().Unix()) }

// text is a webhook of a text from Kerry.
func (w *wacEnv) text(id, text string) []byte {
	return graphtest.Webhook(wacPhone, []any{graphtest.Contact(kerryWaID, "Kerry Fisher")}, []any{graphtest.Text(kerryWaID, id, w.now(), text)}, nil)
}

func (w *wacEnv) status(id, status string) answer {
	w.t.Helper()
	a := w.post(graphtest.Webhook(wacPhone, nil, nil, []any{graphtest.Status(id, status, w.now())}))
	if a.status != http.StatusOK || a.json.Message != "Events Handled" {
		w.t.Fatalf("status %s: %d %s", status, a.status, a.body)
	}
	return a
}

func TestWACConversation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWACEnv(t, d, nil)
		a := w.post(w.text("wamid.in1", "color"))
		if a.status != http.StatusOK || a.json.Message != "Events Handled" || len(a.json.Data) != 1 {
			t.Fatalf("answer %d %s", a.status, a.body)
		}
		data := a.json.Data[0]
		if data["type"] != "msg" || data["channel_uuid"] != w.wac.UUID || data["urn"] != "whatsapp:"+kerryWaID || data["external_id"] != "wamid.in1" {
			t.Errorf("answer %s", a.body)
		}
		in := w.msg(data["msg_uuid"].(string))
		if deref(in.ExternalID) != "wamid.in1" || deref(in.ChannelID) != w.wac.ID || in.Text != "color" {
			t.Errorf("incoming %+v", in)
		}
		contact := w.contactOf(w.ws, "whatsapp:"+kerryWaID)
		if contact == nil || deref(contact.Name) != "Kerry Fisher" {
			t.Fatalf("contact %+v, want named from the profile", contact)
		}

		// Meta delivers the same message again: the first is answered, nothing written
		before := w.rows()
		again := w.post(w.text("wamid.in1", "color"))
		if again.status != http.StatusOK || len(again.json.Data) != 1 || again.json.Data[0]["msg_uuid"] != in.UUID {
			t.Errorf("redelivery answered %d %s, want the first message", again.status, again.body)
		}
		if after := w.rows(); !after.same(before) {
			t.Errorf("a redelivery wrote: %v then %v", before, after)
		}

		// the flow's question goes to Graph
		s := w.sender()
		w.work(s)
		sends := w.graph.Sends()
		// the flow's quick replies are reply buttons
		want := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"` + kerryWaID + `","type":"interactive","interactive":{"type":"button",` +
			`"body":{"text":"` + askColor + `"},"action":{"buttons":[{"type":"reply","reply":{"id":"0","title":"Red"}},{"type":"reply","reply":{"id":"1","title":"Blue"}},` +
			`{"type":"reply","reply":{"id":"2","title":"Green"}}]}}}`
		if len(sends) != 1 || sends[0] != want {
			t.Fatalf("Graph got %q, want %s", sends, want)
		}
		if r := w.graph.Requests()[0]; r.Path != "/v25.0/"+wacPhone+"/messages" || r.Authorization != "Bearer "+wacToken {
			t.Errorf("send request %+v", r)
		}
		q := w.outgoing(contact.ID)[0]
		q = w.msgByID(q.ID)
		if q.Status != models.MsgWired || deref(q.ExternalID) != graphtest.MessageID(1) {
			t.Fatalf("question %s %v", q.Status, deref(q.ExternalID))
		}

		// statuses out of order: delivered, then a late sent, then read, then a failed after read
		for _, step := range []struct {
			status string
			want   models.MsgStatus
		}{{"delivered", models.MsgDelivered}, {"sent", models.MsgDelivered}, {"read", models.MsgRead}, {"failed", models.MsgRead}, {"deleted", models.MsgRead}} {
			w.status(graphtest.MessageID(1), step.status)
			if got := w.msgByID(q.ID).Status; got != step.want {
				t.Errorf("after %s the question is %s, want %s", step.status, got, step.want)
			}
		}
		// a status of a message nobody sent is ignored
		w.status("wamid.unknown", "delivered")

		// the contact taps a reply button: its title is the answer
		reply := graphtest.Webhook(wacPhone, []any{graphtest.Contact(kerryWaID, "Kerry Fisher")}, []any{map[string]any{"from": kerryWaID, "id": "wamid.in2",
			"timestamp": w.now(), "type": "interactive", "interactive": map[string]any{"type": "button_reply", "button_reply": map[string]any{"id": "1", "title": "Blue"}}}}, nil)
		if a := w.post(reply); a.status != http.StatusOK || len(a.json.Data) != 1 || a.json.Data[0]["text"] != "Blue" {
			t.Fatalf("reply answered %d %s", a.status, a.body)
		}
		w.work(s)
		sends = w.graph.Sends()
		if len(sends) != 2 || !strings.Contains(sends[1], `"body":"Great, Blue it is!"`) {
			t.Fatalf("Graph got %q", sends)
		}
		var run models.FlowRun
		w.must(w.db.Raw.Where("contact_id = ?", contact.ID).Take(&run).Error)
		if run.Status != models.RunCompleted {
			t.Errorf("run %s", run.Status)
		}

		// no log shows a secret
		var logs []models.ChannelLog
		w.must(w.db.Raw.Where("channel_id = ?", w.wac.ID).Find(&logs).Error)
		if len(logs) < 8 {
			t.Errorf("%d channel logs", len(logs))
		}
		for _, l := range logs {
			for _, secret := range []string{wacToken, wacSecret} {
				if strings.Contains(l.HTTPLogs, secret) || strings.Contains(l.Errors, secret) {
					t.Errorf("log %s (%s) shows %q", l.UUID, l.LogType, secret)
				}
			}
		}
	})
}

func TestWACBadRequests(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWACEnv(t, d, nil)
		body := w.text("wamid.in1", "color")
		before := w.rows()
		for _, c := range []struct {
			label, sig, want string
			body             []byte
		}{
			{"missing signature", "", "missing request signature", body},
			{"bad signature", graphtest.Sign(body, "not the secret"), "invalid request signature", body},
			{"malformed signature", "sha1=abc", "invalid request signature", body},
			{"another body's signature replayed", graphtest.Sign(w.text("wamid.in0", "hello"), wacSecret), "invalid request signature", body},
			{"not JSON", graphtest.Sign([]byte("{"), wacSecret), "unable to parse request JSON: unexpected end of JSON input", []byte("{")},
			{"an unknown number", "", "channel not found", graphtest.Webhook("999", nil, []any{graphtest.Text(kerryWaID, "x", w.now(), "hi")}, nil)},
			{"too large", "", "request body too large: at most 1048576 bytes", []byte(`{"object":"` + strings.Repeat("x", 1<<20) + `"}`)},
		} {
			sig := c.sig
			if sig == "" && c.label != "missing signature" {
				sig = graphtest.Sign(c.body, wacSecret)
			}
			var a answer
			if sig == "" {
				a = w.post(c.body, "")
			} else {
				a = w.post(c.body, sig)
			}
			// courier's 200, so that Meta doesn't send again what was refused on purpose
			w.wantError(a, http.StatusOK, "Error", c.want)
		}
		if after := w.rows(); !after.same(before) {
			t.Errorf("refused webhooks wrote: %v then %v", before, after)
		}
		if n := w.count("channel_logs", "channel_id = ? AND errors LIKE ?", w.wac.ID, "%signature%"); n != 4 {
			t.Errorf("%d logs of refused signatures, want 4", n)
		}

		// the verification: the server's verify token, on the shared URL and the channel's own
		for _, p := range []string{"/c/wac/receive", "/c/wac/" + w.wac.UUID + "/receive"} {
			a := w.call(http.MethodGet, p+"?hub.mode=subscribe&hub.verify_token="+wacVerify+"&hub.challenge=8675309", nil)
			if a.status != http.StatusOK || a.body != "8675309" {
				t.Errorf("%s verification: %d %q", p, a.status, a.body)
			}
			a = w.call(http.MethodGet, p+"?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1", nil)
			w.wantError(a, http.StatusOK, "Error", "token does not match secret")
		}
		// a webhook at the channel's own URL works the same
		if a := w.post(nil); a.status != http.StatusOK {
			t.Errorf("empty post: %d", a.status)
		}
		req, _ := http.NewRequest(http.MethodPost, w.server.URL+"/c/wac/"+w.wac.UUID+"/receive", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", graphtest.Sign(body, wacSecret))
		if a := w.do(req); a.status != http.StatusOK || a.json.Message != "Events Handled" || len(a.json.Data) != 1 {
			t.Errorf("channel URL: %d %s", a.status, a.body)
		}
		// the verification at the channel's URL is logged, its verify token redacted
		var logs []models.ChannelLog
		w.must(w.db.Raw.Where("channel_id = ?", w.wac.ID).Find(&logs).Error)
		verified := 0
		for _, l := range logs {
			if strings.Contains(l.HTTPLogs, "hub.challenge=8675309") {
				verified++
			}
			if strings.Contains(l.HTTPLogs, wacVerify) || strings.Contains(l.HTTPLogs, wacSecret) || strings.Contains(l.HTTPLogs, wacToken) {
				t.Errorf("log %s shows a secret: %.300s", l.UUID, l.HTTPLogs)
			}
		}
		if verified != 1 {
			t.Errorf("%d logs of the channel URL's verification, want 1", verified)
		}
		// another workspace's channel of the same type never sees it
		if n := w.count("msgs", "workspace_id = ?", w.other.ID); n != 0 {
			t.Errorf("%d messages in the other workspace", n)
		}
	})
}

func TestWACMedia(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWACEnv(t, d, nil)
		photo := []byte("\xff\xd8\xff\xe0 a jpeg")
		w.graph.AddMedia("media-1", "image/jpeg", photo)
		img := graphtest.Webhook(wacPhone, []any{graphtest.Contact(kerryWaID, "Kerry")},
			[]any{graphtest.Media(kerryWaID, "wamid.img", w.now(), "image", "media-1", "image/jpeg", "my cat"),
				graphtest.Media(kerryWaID, "wamid.gone", w.now(), "document", "media-404", "application/pdf", "")}, nil)
		a := w.post(img)
		if a.status != http.StatusOK || len(a.json.Data) != 2 {
			t.Fatalf("answer %d %s", a.status, a.body)
		}
		in := w.msg(a.json.Data[0]["msg_uuid"].(string))
		if in.Text != "my cat" || len(in.Attachments) != 1 || !strings.HasPrefix(in.Attachments[0], "image/jpeg:"+w.server.URL+"/media/"+w.ws.UUID+"/") {
			t.Fatalf("image message %q %q", in.Text, in.Attachments)
		}
		var m models.Media
		w.must(w.db.Raw.Where("workspace_id = ?", w.ws.ID).Take(&m).Error)
		got, err := os.ReadFile(filepath.Join(w.mediaDir, filepath.FromSlash(m.Path)))
		if err != nil || !bytes.Equal(got, photo) || m.ContentType != "image/jpeg" || m.Size != int64(len(photo)) || m.Filename != "file.jpg" {
			t.Errorf("stored %+v: %q %v", m, got, err)
		}
		// a file Graph doesn't have: the message is kept without it, and the log says why
		gone := w.msg(a.json.Data[1]["msg_uuid"].(string))
		if len(gone.Attachments) != 0 || deref(gone.ExternalID) != "wamid.gone" {
			t.Errorf("message of a missing file %+v", gone)
		}
		if n := w.count("channel_logs", "channel_id = ? AND errors LIKE ?", w.wac.ID, "%media-404%"); n != 1 {
			t.Errorf("%d logs of the missing file", n)
		}
		// Meta delivers it again: the first message answers, and no file is fetched or kept again
		requests := len(w.graph.Requests())
		if again := w.post(img); again.status != http.StatusOK || again.json.Data[0]["msg_uuid"] != in.UUID {
			t.Errorf("redelivery answered %d %s", again.status, again.body)
		}
		if n := len(w.graph.Requests()); n != requests {
			t.Errorf("the redelivery made %d more Graph requests", n-requests)
		}
		if n := w.count("media", "workspace_id = ?", w.ws.ID); n != 1 {
			t.Errorf("%d media after the redelivery", n)
		}
		for _, r := range w.graph.Requests() {
			if r.Authorization != "Bearer "+wacToken {
				t.Errorf("%s %s without the token", r.Method, r.Path)
			}
		}

		// media out, by link
		contact := w.contactOf(w.ws, "whatsapp:"+kerryWaID)
		var userID int64
		w.must(w.db.Raw.Table("users").Where("email = ?", testdb.Nyaruka.Admin).Pluck("id", &userID).Error)
		_, err = w.host.SendMessage(w.ctx, w.ws, contact, &core.MsgContent{Text: "A fine cat", Attachments: []utils.Attachment{utils.Attachment(in.Attachments[0])}}, userID)
		w.must(err)
		w.work(w.sender())
		sends := w.graph.Sends()
		link := strings.TrimPrefix(in.Attachments[0], "image/jpeg:")
		want := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"` + kerryWaID + `","type":"image","image":{"link":"` + link + `","caption":"A fine cat"}}`
		if len(sends) == 0 || sends[len(sends)-1] != want {
			t.Errorf("Graph got %q, want last %s", sends, want)
		}
	})
}

func TestWACGraphErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWACEnv(t, d, nil)
		w.post(w.text("wamid.in1", "hello there"))
		contact := w.contactOf(w.ws, "whatsapp:"+kerryWaID)
		s := w.sender()
		w.work(s) // the catch-all flow's menu
		for _, c := range []struct {
			failure    graphtest.Failure
			wantStatus models.MsgStatus
			wantReason string
		}{
			{graphtest.Failure{Code: 131026, Message: "Message Undeliverable"}, models.MsgFailed, "131026"},
			{graphtest.Failure{Code: 131047, Message: "Re-engagement message"}, models.MsgFailed, "131047"},
			{graphtest.Failure{Code: 130429, Message: "Rate limit hit"}, models.MsgErrored, ""},
			{graphtest.Failure{Code: 131053, Message: "Media upload error"}, models.MsgErrored, ""},
			{graphtest.Failure{Status: 500}, models.MsgErrored, ""},
			{graphtest.Failure{Code: 190, Status: 401, Message: "Invalid OAuth access token."}, models.MsgFailed, "190"},
		} {
			w.graph.FailNext(c.failure)
			m := w.queue(contact, fmt.Sprintf("try %d", c.failure.Code))
			w.work(s)
			got := w.msgByID(m.ID)
			if got.Status != c.wantStatus || fmt.Sprint(deref(got.FailedReason)) != fmt.Sprint(map[bool]any{true: c.wantReason, false: nil}[c.wantReason != ""]) {
				t.Errorf("after %+v the message is %s (%v), want %s %q", c.failure, got.Status, deref(got.FailedReason), c.wantStatus, c.wantReason)
			}
			var log models.ChannelLog
			w.must(w.db.Raw.Where("msg_id = ?", m.ID).Order("id DESC").Take(&log).Error)
			if c.failure.Code != 0 && !strings.Contains(log.Errors, fmt.Sprintf(`"ext_code":"%d"`, c.failure.Code)) {
				t.Errorf("log errors %s, want Meta's code %d", log.Errors, c.failure.Code)
			}
			if strings.Contains(log.HTTPLogs, wacToken) {
				t.Errorf("the send log shows the token")
			}
		}
	})
}

func TestWACSessionWindow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWACEnv(t, d, nil)
		old := fmt.Sprint(w.clock.Now().Add(-25 * time.Hour).Unix())
		w.post(graphtest.Webhook(wacPhone, nil, []any{graphtest.Text(kerryWaID, "wamid.old", old, "hello")}, nil))
		contact := w.contactOf(w.ws, "whatsapp:"+kerryWaID)
		s := w.sender()
		w.work(s)
		for _, m := range w.outgoing(contact.ID) {
			if got := w.msgByID(m.ID); got.Status != models.MsgFailed || deref(got.FailedReason) != models.FailedSessionWindow {
				t.Errorf("a reply to a message 25 hours old is %s (%v), want failed for the window", got.Status, deref(got.FailedReason))
			}
		}
		if n := len(w.graph.Sends()); n != 0 {
			t.Errorf("Graph got %d sends outside the window", n)
		}
		var log models.ChannelLog
		w.must(w.db.Raw.Where("channel_id = ? AND log_type = ?", w.wac.ID, models.LogMsgSend).Take(&log).Error)
		if !strings.Contains(log.Errors, gateway.ErrorSessionWindow) || !strings.Contains(log.Errors, "24 hours") {
			t.Errorf("log errors %s", log.Errors)
		}

		// within the window it goes
		w.post(w.text("wamid.new", "hello again"))
		w.work(s)
		if n := len(w.graph.Sends()); n == 0 {
			t.Errorf("Graph got no sends within the window")
		}
		for _, m := range w.outgoing(contact.ID)[1:] {
			if got := w.msgByID(m.ID); got.Status != models.MsgWired {
				t.Errorf("a reply within the window is %s (%v)", got.Status, deref(got.FailedReason))
			}
		}

		// a channel that turns the check off sends whenever
		w2 := newWACEnv(t, d, map[string]any{"session_window": false})
		w2.post(graphtest.Webhook(wacPhone, nil, []any{graphtest.Text(kerryWaID, "wamid.old", old, "hello")}, nil))
		w2.work(w2.sender())
		if n := len(w2.graph.Sends()); n != 1 {
			t.Errorf("with the window off Graph got %d sends, want the menu", n)
		}
	})
}

// formFlow is a flow a keyword "sent" starts that answers with what the WhatsApp Flow's form said.
const formFlow = `{"version": "13", "site": "https://rapidpro.example.com", "campaigns": [], "fields": [], "groups": [],
 "flows": [{"uuid": "7c3b0d7e-93c4-4d4e-9f1e-0d7a3a7f6b01", "name": "Form Answer", "spec_version": "14.4.2", "language": "eng",
   "type": "messaging", "revision": 1, "expire_after_minutes": 60, "localization": {},
   "nodes": [{"uuid": "5a0f9a38-0b7f-4bcb-9d38-5d1b1a7e2c11", "actions": [{"uuid": "e6f0c3a1-2c7d-4e5b-8a0b-9b8e1b6d7c21",
     "type": "send_msg", "text": "Age @input.payload.age, token @input.payload.flow_token"}], "exits": [{"uuid": "0c5e8f1a-4b3d-4a2e-9f6c-7d8e9a0b1c31"}]}]}],
 "triggers": [{"trigger_type": "K", "flow": {"uuid": "7c3b0d7e-93c4-4d4e-9f1e-0d7a3a7f6b01", "name": "Form Answer"}, "groups": [],
   "exclude_groups": [], "channel": null, "keywords": ["sent"], "match_type": "F"}]}`

func TestWACFlowReply(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWACEnv(t, d, nil)
		spec, err := flows.ParseExports(flows.Document{Name: "form.json", Data: []byte(formFlow)})
		w.must(err)
		_, err = flows.Import(w.ctx, w.store, w.ws, spec)
		w.must(err)
		reply := graphtest.Webhook(wacPhone, []any{graphtest.Contact(kerryWaID, "Kerry")}, []any{map[string]any{"from": kerryWaID, "id": "wamid.nfm",
			"timestamp": w.now(), "type": "interactive", "interactive": map[string]any{"type": "nfm_reply",
				"nfm_reply": map[string]any{"name": "flow", "body": "Sent", "response_json": `{"flow_token":"tok-1","age":"32"}`}}}}, nil)
		if a := w.post(reply); a.status != http.StatusOK || len(a.json.Data) != 1 {
			t.Fatalf("answer %d %s", a.status, a.body)
		}
		contact := w.contactOf(w.ws, "whatsapp:"+kerryWaID)
		out := w.outgoing(contact.ID)
		if len(out) != 1 || out[0].Text != "Age 32, token tok-1" {
			t.Fatalf("replies %+v, want the form's answers read through @input.payload", out)
		}
	})
}

// TestWACFailedStatus: a failed status's errors are the message's failed reason (Meta's code) and go in the
// channel log with their codes.
func TestWACFailedStatus(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWACEnv(t, d, nil)
		w.post(w.text("wamid.in1", "hello"))
		w.work(w.sender())
		contact := w.contactOf(w.ws, "whatsapp:"+kerryWaID)
		out := w.outgoing(contact.ID)
		if len(out) != 1 || w.msgByID(out[0].ID).Status != models.MsgWired {
			t.Fatalf("outgoing %+v", out)
		}
		failed := map[string]any{"id": graphtest.MessageID(1), "status": "failed", "timestamp": w.now(), "recipient_id": kerryWaID,
			"errors": []any{map[string]any{"code": 131014, "title": "Request for url https://x/y.jpg failed with error: 404"}}}
		if a := w.post(graphtest.Webhook(wacPhone, nil, nil, []any{failed})); a.status != http.StatusOK || len(a.json.Data) != 1 || a.json.Data[0]["status"] != "F" {
			t.Fatalf("answer %d %s", a.status, a.body)
		}
		if m := w.msgByID(out[0].ID); m.Status != models.MsgFailed || deref(m.FailedReason) != "131014" {
			t.Errorf("message %s (%v), want failed 131014", m.Status, deref(m.FailedReason))
		}
		if n := w.count("channel_logs", "channel_id = ? AND log_type = ? AND errors LIKE ?", w.wac.ID, models.LogMsgStatus, `%"ext_code":"131014"%`); n != 1 {
			t.Errorf("%d status logs with Meta's code", n)
		}
	})
}

// TestWACTwoNumbers: one webhook with the changes of two numbers, each a channel of another workspace: each
// workspace gets its own message and contact, and nothing of the other's; a channel's own URL takes only its
// number's change. A number with a secret of its own that the payload wasn't signed with refuses it all.
func TestWACTwoNumbers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		w := newWACEnv(t, d, nil)
		other, err := w.store.CreateChannel(w.ctx, w.other.ID, models.ChannelSpec{Type: "WAC", Name: "Other WhatsApp", Address: "2220001",
			Schemes: []string{"whatsapp"}, Config: `{"access_token":"other-token","graph_url":"` + w.graph.URL + `"}`})
		w.must(err)
		both := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"waba1","changes":[` +
			`{"field":"messages","value":{"metadata":{"phone_number_id":"` + wacPhone + `"},"messages":[{"from":"111","id":"wamid.a","timestamp":"` + w.now() + `","type":"text","text":{"body":"to us"}}]}},` +
			`{"field":"messages","value":{"metadata":{"phone_number_id":"2220001"},"messages":[{"from":"222","id":"wamid.b","timestamp":"` + w.now() + `","type":"text","text":{"body":"to them"}}]}},` +
			`{"field":"messages","value":{"metadata":{"phone_number_id":"999"},"messages":[{"from":"333","id":"wamid.c","timestamp":"` + w.now() + `","type":"text","text":{"body":"nobody's"}}]}}]}]}`)
		a := w.post(both)
		if a.status != http.StatusOK || len(a.json.Data) != 2 || a.json.Data[0]["channel_uuid"] != w.wac.UUID || a.json.Data[1]["channel_uuid"] != other.UUID {
			t.Fatalf("answer %d %s", a.status, a.body)
		}
		ours, theirs := w.msg(a.json.Data[0]["msg_uuid"].(string)), w.msg(a.json.Data[1]["msg_uuid"].(string))
		if ours.WorkspaceID != w.ws.ID || ours.Text != "to us" || theirs.WorkspaceID != w.other.ID || theirs.Text != "to them" {
			t.Errorf("messages %+v and %+v", ours, theirs)
		}
		if w.contactOf(w.ws, "whatsapp:222") != nil || w.contactOf(w.other, "whatsapp:111") != nil || w.contactOf(w.ws, "whatsapp:333") != nil {
			t.Errorf("a contact was made in the wrong workspace")
		}
		for _, ch := range []*models.Channel{w.wac, other} {
			if n := w.count("channel_logs", "channel_id = ?", ch.ID); n != 1 {
				t.Errorf("channel %s has %d logs of the request, want 1", ch.Name, n)
			}
		}

		// at the channel's own URL, only its number's change (a redelivery now: nothing new)
		req, _ := http.NewRequest(http.MethodPost, w.server.URL+"/c/wac/"+other.UUID+"/receive", bytes.NewReader(both))
		req.Header.Set("X-Hub-Signature-256", graphtest.Sign(both, wacSecret))
		if a := w.do(req); a.status != http.StatusOK || len(a.json.Data) != 1 || a.json.Data[0]["msg_uuid"] != theirs.UUID {
			t.Errorf("channel URL answered %d %s", a.status, a.body)
		}

		// the other number gets a secret of its own: the server's signature is no longer its, and nothing is taken
		w.must(w.db.Raw.Model(&models.Channel{}).Where("id = ?", other.ID).Update("config", `{"access_token":"other-token","app_secret":"theirs"}`).Error)
		before := w.rows()
		fresh := []byte(strings.ReplaceAll(string(both), "wamid.", "wamid.new"))
		w.wantError(w.post(fresh), http.StatusOK, "Error", "invalid request signature")
		if after := w.rows(); !after.same(before) {
			t.Errorf("a refused webhook wrote: %v then %v", before, after)
		}
	})
}
