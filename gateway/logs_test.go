package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// storedLog is a channel log as it is stored: its HTTP exchanges and errors.
type storedLog struct {
	models.ChannelLog
	http []struct {
		URL        string `json:"url"`
		StatusCode int    `json:"status_code"`
		Request    string `json:"request"`
		Response   string `json:"response"`
	}
	errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
}

func (e *env) logs(where string, args ...any) []storedLog {
	e.t.Helper()
	var rows []models.ChannelLog
	e.must(e.db.Raw.Where(where, args...).Order("id").Find(&rows).Error)
	out := make([]storedLog, len(rows))
	for i, r := range rows {
		out[i].ChannelLog = r
		e.must(json.Unmarshal([]byte(r.HTTPLogs), &out[i].http))
		e.must(json.Unmarshal([]byte(r.Errors), &out[i].errors))
	}
	return out
}

// TestChannelLogs: every request a gateway makes of a known channel, taken or refused, and every send is kept
// in a channel log of its type with the request and the answer; the channel's secrets (send_authorization, the
// values of its headers), however they were written in the request, are in none of them.
func TestChannelLogs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		// the gateway answers sends echoing what it was given, secrets included
		e.sms.setRespond(func(r smsRequest, attempt int) (int, http.Header, string) {
			if attempt == 1 && r.Form.Get("text") == "Hello" {
				return http.StatusBadGateway, nil, "bad gateway for " + r.Header.Get("X-Api-Key")
			}
			return http.StatusOK, http.Header{"X-Echo": {r.Header.Get("Authorization")}}, `{"ok": true, "key": "` + r.Header.Get("X-Api-Key") + `"}`
		})

		// a receive carrying the secrets in its headers, its query string (escaped) and its body
		form := url.Values{"from": {"0788123123"}, "text": {"color " + secretHeader}}
		req, err := http.NewRequest(http.MethodPost, e.server.URL+path(e.ch, "receive")+"?key="+url.QueryEscape(secretAuth)+"&k2="+secretHeader,
			strings.NewReader(form.Encode()))
		e.must(err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", secretAuth)
		req.Header.Set("X-Api-Key", secretHeader)
		if a := e.do(req); a.status != http.StatusOK {
			t.Fatalf("receive: %d %s", a.status, a.body)
		}
		contact := e.contactOf(e.ws, "tel:+250788123123")
		reply := e.outgoing(contact.ID)[0]
		s := e.sender()
		e.work(s)
		e.call(http.MethodPost, path(e.ch, "receive"), url.Values{"text": {"no sender"}})
		e.call(http.MethodGet, path(e.ch, "delivered"), url.Values{"id": {reply.UUID}})
		e.call(http.MethodGet, path(e.ch, "sent"), url.Values{"id": {"nope"}})
		e.call(http.MethodPost, path(e.ch, "stopped"), url.Values{"from": {"0788999999"}})
		hello := e.queue(contact, "Hello")
		e.work(s)
		e.later(5 * time.Minute)
		e.work(s)

		logs := e.logs("channel_id = ?", e.ch.ID)
		type want struct {
			logType string
			msgID   int64
			status  int
			has     string // in the request or the answer
			err     string // the first error's message or code
		}
		wants := []want{
			{models.LogMsgReceive, 0, 200, "Message Accepted", ""},
			{models.LogMsgSend, reply.ID, 200, "uuid=" + reply.UUID, ""},
			{models.LogMsgReceive, 0, 400, "no+sender", "must have one of 'sender' or 'from' set"},
			{models.LogMsgStatus, 0, 200, "Status Update Accepted", ""},
			{models.LogMsgStatus, 0, 400, "id=nope", "parsing failed: id 'nope' and uuid '' are not valid UUIDs"},
			{models.LogEventReceive, 0, 200, "Event Accepted", ""},
			{models.LogMsgSend, hello.ID, 502, "bad gateway for", "connection_failed"},
			{models.LogMsgSend, hello.ID, 200, "text=Hello", ""},
		}
		if len(logs) != len(wants) {
			for _, l := range logs {
				t.Logf("%s %s %s", l.LogType, l.HTTPLogs, l.Errors)
			}
			t.Fatalf("%d logs, want %d", len(logs), len(wants))
		}
		for i, w := range wants {
			l := logs[i]
			var msgID int64
			if l.MsgID != nil {
				msgID = *l.MsgID
			}
			if l.LogType != w.logType || msgID != w.msgID {
				t.Errorf("log %d is %s of msg %v, want %s of %d", i, l.LogType, deref(l.MsgID), w.logType, w.msgID)
			}
			if len(l.http) != 1 {
				t.Errorf("log %d has %d exchanges", i, len(l.http))
				continue
			}
			x := l.http[0]
			if x.StatusCode != w.status || !strings.Contains(x.Request+x.Response, w.has) || x.URL == "" || x.Request == "" || x.Response == "" {
				t.Errorf("log %d: %d %q, want %d with %q", i, x.StatusCode, l.HTTPLogs, w.status, w.has)
			}
			if w.err != "" && (len(l.errors) == 0 || (l.errors[0].Message != w.err && l.errors[0].Code != w.err)) {
				t.Errorf("log %d errors %s, want %q", i, l.Errors, w.err)
			} else if w.err == "" && len(l.errors) != 0 {
				t.Errorf("log %d errors %s", i, l.Errors)
			}
		}
		if r := logs[0].http[0]; !strings.Contains(r.Request, "color") || !strings.Contains(r.Request, "**********") || !strings.Contains(r.URL, "/c/ex/"+e.ch.UUID+"/receive") {
			t.Errorf("receive log %+v", r)
		}
		if r := logs[1].http[0]; !strings.HasPrefix(r.URL, e.sms.URL+"/send") || !strings.Contains(r.Request, "Authorization: **********") ||
			!strings.Contains(r.Request, "X-Api-Key: **********") {
			t.Errorf("send log %+v", r)
		}

		var all []models.ChannelLog
		e.must(e.db.Raw.Find(&all).Error)
		for _, l := range all {
			for _, text := range []string{l.HTTPLogs, l.Errors} {
				if strings.Contains(text, "sekrit") {
					t.Errorf("a %s log shows a secret: %s", l.LogType, text)
				}
			}
		}
	})
}
