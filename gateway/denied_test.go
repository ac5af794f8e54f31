package gateway_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/netguard"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/throttle"
)

// TestSendDenied: with the default deny list, a channel whose send_url is on loopback never reaches it: the
// send errors as a failed connection does (tried again on courier's schedule, then failed), each attempt's
// channel log has the request, no answer and the reason. Without the list the same channel sends.
func TestSendDenied(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		guarded := e.newProcessWith(e.store, throttle.NewMemory(e.limiter.Now), func(cfg *runtime.Config) { cfg.WebhooksDeny = netguard.Default() })
		c := e.newContact(e.ws, "Bob", "+250788123123")
		msg := e.queue(c, "Hello")
		s := guarded.sender()
		if !e.work(s) {
			t.Fatal("nothing tried")
		}
		m := e.msgByID(msg.ID)
		if m.Status != models.MsgErrored || m.ErrorCount != 1 || m.NextAttempt == nil || m.ClaimedUntil != nil || m.SentOn != nil {
			t.Fatalf("message after a denied send %+v", m)
		}
		e.later(5 * time.Minute)
		e.work(s)
		e.later(10 * time.Minute)
		e.work(s)
		if m := e.msgByID(msg.ID); m.Status != models.MsgFailed || deref(m.FailedReason) != models.FailedRetries || m.ErrorCount != 3 {
			t.Fatalf("message after three denied sends %+v", m)
		}
		if n := len(e.sms.requests()); n != 0 {
			t.Fatalf("the gateway got %d requests past the deny list", n)
		}

		logs := e.logs("msg_id = ?", msg.ID)
		if len(logs) != 3 {
			t.Fatalf("%d channel logs, want 3", len(logs))
		}
		for i, l := range logs {
			if len(l.http) != 1 || !strings.HasPrefix(l.http[0].URL, e.sms.URL+"/send") || l.http[0].StatusCode != 0 || l.http[0].Response != "" ||
				strings.Contains(l.HTTPLogs, secretAuth) {
				t.Errorf("log %d exchanges %s", i, l.HTTPLogs)
			}
			if len(l.errors) != 2 || l.errors[0].Code != "connection_failed" || l.errors[0].Message != "Connection to server failed." ||
				l.errors[1].Code != "connection_failed" || l.errors[1].Message != "flowsd: address 127.0.0.1 is denied by FLOWSD_WEBHOOKS_DENY" {
				t.Errorf("log %d errors %s", i, l.Errors)
			}
		}

		// the process without the list sends through the same channel, and logs no denial
		sent := e.queue(c, "Hello again")
		e.work(e.sender())
		if m := e.msgByID(sent.ID); m.Status != models.MsgWired {
			t.Fatalf("message sent without the list is %s", m.Status)
		}
		if l := e.logs("msg_id = ?", sent.ID); len(l) != 1 || l[0].Errors != "[]" {
			t.Errorf("logs of the message sent without the list %+v", l)
		}
	})
}
