package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/gateway"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
	"github.com/flowsd/flowsd/throttle"
)

// setConfig changes keys of a channel's config, as an edit of the channel would.
func (e *env) setConfig(ch *models.Channel, extra map[string]any) {
	e.t.Helper()
	var cfg map[string]any
	e.must(json.Unmarshal([]byte(ch.Config), &cfg))
	for k, v := range extra {
		cfg[k] = v
	}
	b, err := json.Marshal(cfg)
	e.must(err)
	ch.Config = string(b)
	e.must(e.db.Raw.Model(&models.Channel{}).Where("id = ?", ch.ID).Update("config", ch.Config).Error)
}

// contacts makes n contacts of ws with numbers of RW.
func (e *env) contacts(n int) []*models.Contact {
	var out []*models.Contact
	for i := 0; i < n; i++ {
		out = append(out, e.newContact(e.ws, fmt.Sprintf("Person %d", i), fmt.Sprintf("+25078850%04d", i)))
	}
	return out
}

// TestSend: a queued message reaches the gateway as the channel's config says (method, URL, body, headers), and
// is wired; nothing is sent twice.
func TestSend(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		e.receive(e.ch, "0788123123", "color")
		contact := e.contactOf(e.ws, "tel:+250788123123")
		msg := e.outgoing(contact.ID)[0]
		s := e.sender()
		if !e.work(s) {
			t.Fatal("no work done")
		}
		reqs := e.sms.requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		r := reqs[0]
		if r.Method != "POST" || r.Path != "/send" || r.Query.Get("from") != "250788000001" {
			t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query.Encode())
		}
		for k, v := range map[string]string{"Authorization": secretAuth, "X-Api-Key": secretHeader, "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "flowsd"} {
			if r.Header.Get(k) != v {
				t.Errorf("header %s is %q, want %q", k, r.Header.Get(k), v)
			}
		}
		for k, v := range map[string]string{"uuid": msg.UUID, "text": askColor, "to": "+250788123123", "from": "+250788000001", "channel": e.ch.UUID, "session": "W"} {
			if r.Form.Get(k) != v {
				t.Errorf("body's %s is %q, want %q (body %s)", k, r.Form.Get(k), v, r.Body)
			}
		}
		m := e.msgByID(msg.ID)
		if m.Status != models.MsgWired || m.SentOn == nil || m.ClaimedUntil != nil || m.ErrorCount != 0 || m.ExternalID != nil || m.FailedReason != nil {
			t.Errorf("message after its send %+v", m)
		}
		for i := 0; i < 3; i++ {
			if e.work(s) {
				t.Errorf("round %d found work", i)
			}
			e.later(time.Hour)
		}
		if n := len(e.sms.requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

// TestSendRetries: a gateway failing twice then taking the message: errored, tried again after 5 and then 10
// minutes (courier's schedule), then wired; three requests in all, none after.
func TestSendRetries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		e.sms.setRespond(func(r smsRequest, attempt int) (int, http.Header, string) {
			if attempt <= 2 {
				return http.StatusInternalServerError, nil, "oops"
			}
			return http.StatusOK, nil, "ok"
		})
		c := e.newContact(e.ws, "Bob", "+250788123123")
		msg := e.queue(c, "Hello")
		s := e.sender()

		wantErrored := func(count int, wait time.Duration) {
			t.Helper()
			m := e.msgByID(msg.ID)
			if m.Status != models.MsgErrored || m.ErrorCount != count || m.NextAttempt == nil || m.ClaimedUntil != nil {
				t.Fatalf("after attempt %d the message is %+v", count, m)
			}
			if got := m.NextAttempt.Sub(m.ModifiedOn); got < wait-time.Second || got > wait+time.Second {
				t.Errorf("after attempt %d the next is in %s, want %s", count, got, wait)
			}
		}
		if !e.work(s) {
			t.Fatal("nothing tried")
		}
		wantErrored(1, 5*time.Minute)
		if e.work(s) {
			t.Error("an errored message was tried before its time")
		}
		e.later(5 * time.Minute)
		e.work(s)
		wantErrored(2, 10*time.Minute)
		e.later(5 * time.Minute)
		if e.work(s) {
			t.Error("tried 5 minutes after the second error")
		}
		e.later(5 * time.Minute)
		e.work(s)
		m := e.msgByID(msg.ID)
		if m.Status != models.MsgWired || m.ErrorCount != 2 || m.SentOn == nil || m.ClaimedUntil != nil {
			t.Errorf("after the third attempt %+v", m)
		}
		for i := 0; i < 3; i++ {
			e.later(time.Hour)
			e.work(s)
		}
		if n := e.sms.perMsg()[msg.UUID]; n != 3 {
			t.Errorf("%d requests for the message, want 3", n)
		}
		var logs []models.ChannelLog
		e.must(e.db.Raw.Where("msg_id = ?", msg.ID).Order("id").Find(&logs).Error)
		if len(logs) != 3 || !strings.Contains(logs[0].Errors, "connection_failed") || logs[2].Errors != "[]" {
			t.Errorf("%d logs: %+v", len(logs), logs)
		}
	})
}

// TestSendFailures: a gateway that always fails fails the message at the third attempt (error_limit); one that
// refuses it (4xx) fails it at once; one that asks for time (429, Retry-After) gets it.
func TestSendFailures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		down, refused, busy := e.newContact(e.ws, "Down", "+250788000101"), e.newContact(e.ws, "Refused", "+250788000102"), e.newContact(e.ws, "Busy", "+250788000103")
		e.sms.setRespond(func(r smsRequest, attempt int) (int, http.Header, string) {
			switch r.Form.Get("to") {
			case "+250788000101":
				return http.StatusServiceUnavailable, nil, "down"
			case "+250788000102":
				return http.StatusBadRequest, nil, "no such number"
			case "+250788000103":
				if attempt == 1 {
					return http.StatusTooManyRequests, http.Header{"Retry-After": {"3600"}}, "slow down"
				}
			}
			return http.StatusOK, nil, "ok"
		})
		mDown, mRefused, mBusy := e.queue(down, "To down"), e.queue(refused, "To refused"), e.queue(busy, "To busy")
		s := e.sender()
		e.work(s)
		if m := e.msgByID(mRefused.ID); m.Status != models.MsgFailed || deref(m.FailedReason) != models.FailedSend || m.ErrorCount != 0 {
			t.Errorf("refused message %+v", m)
		}
		m := e.msgByID(mBusy.ID)
		if m.Status != models.MsgErrored || m.NextAttempt == nil || m.NextAttempt.Sub(m.ModifiedOn) < time.Hour-time.Second {
			t.Fatalf("throttled message %+v, want errored for an hour", m)
		}
		for i := 0; i < 6; i++ {
			e.later(10 * time.Minute)
			e.work(s)
			if i < 4 && e.sms.perMsg()[mBusy.UUID] != 1 {
				t.Errorf("throttled message tried again %d minutes after the 429", (i+1)*10)
			}
		}
		e.later(time.Hour)
		e.work(s)
		if m := e.msgByID(mBusy.ID); m.Status != models.MsgWired {
			t.Errorf("throttled message is %s an hour and more later", m.Status)
		}
		m = e.msgByID(mDown.ID)
		if m.Status != models.MsgFailed || deref(m.FailedReason) != models.FailedRetries || m.ErrorCount != 3 || m.SentOn != nil || m.ClaimedUntil != nil {
			t.Errorf("message to a gateway that is down %+v", m)
		}
		counts := e.sms.perMsg()
		if counts[mDown.UUID] != 3 || counts[mRefused.UUID] != 1 || counts[mBusy.UUID] != 2 {
			t.Errorf("requests per message %v", counts)
		}
	})
}

// TestSendPriority: a reply to a contact who wrote in goes before bulk messages of a flow start.
func TestSendPriority(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		e.setConfig(e.ch, map[string]any{"tps": 1})
		bulk := e.contacts(3)
		e.startFlow(favoriteColor, bulk)
		e.receive(e.ch, "0788123123", "color")
		var queued []models.Msg
		e.must(e.db.Raw.Where("status = ?", models.MsgQueued).Order("id").Find(&queued).Error)
		if len(queued) != 4 || !queued[3].HighPriority || slices.ContainsFunc(queued[:3], func(m models.Msg) bool { return m.HighPriority }) {
			t.Fatalf("queued: %+v", queued)
		}
		s := e.sender()
		var order []string
		for i := 0; i < 4; i++ {
			if !e.work(s) {
				t.Fatalf("round %d sent nothing", i)
			}
			if e.work(s) {
				t.Fatalf("round %d sent more than a second allows", i)
			}
			e.limiter.Add(time.Second)
		}
		for _, r := range e.sms.requests() {
			order = append(order, r.Form.Get("to"))
		}
		want := []string{"+250788123123", "+250788500000", "+250788500001", "+250788500002"}
		if !slices.Equal(order, want) {
			t.Errorf("sent to %v, want %v", order, want)
		}
	})
}

// startFlow starts contacts in a flow as a flow start does (bulk), and works the start through.
func (e *env) startFlow(name string, contacts []*models.Contact) {
	e.t.Helper()
	var flowID int64
	e.must(e.db.Raw.Table("flows").Where("workspace_id = ? AND name = ?", e.ws.ID, name).Pluck("id", &flowID).Error)
	ids := make([]int64, len(contacts))
	for i, c := range contacts {
		ids[i] = c.ID
	}
	start := &models.FlowStart{WorkspaceID: e.ws.ID, FlowID: flowID, StartType: models.StartTypeAPI, Status: models.StartPending, Params: "{}",
		RestartParticipants: true, ContactCount: -1}
	e.must(e.store.Write(e.ctx, func(tx *models.Tx) error { return tx.InsertFlowStart(start, ids, nil) }))
	w := &flows.Starts{Host: e.host, BatchSize: 25}
	for {
		worked, err := w.WorkOnce(e.ctx)
		e.must(err)
		if !worked {
			return
		}
	}
}

// TestSendRate: a channel's tps is how many messages go out in a second: with 2 and 10 queued, a round sends
// 2 and the next, in the same second, none; the rate is spent on messages sent, not on messages looked for.
func TestSendRate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		e.setConfig(e.ch, map[string]any{"tps": 2})
		people := e.contacts(10)
		for _, c := range people {
			e.queue(c, "Hi "+*c.Name)
		}
		s := e.sender()
		for second := 0; second < 5; second++ {
			e.work(s)
			e.work(s)
			if n := len(e.sms.requests()); n != 2*(second+1) {
				t.Fatalf("in second %d, %d sent in all, want %d", second, n, 2*(second+1))
			}
			e.limiter.Add(time.Second)
		}
		if e.work(s) {
			t.Error("work left after all were sent")
		}

		// a message alone uses one of the second's 5, and the next one in that second still goes
		e.limiter.Add(time.Minute)
		e.setConfig(e.ch, map[string]any{"tps": 5})
		e.queue(people[0], "One")
		e.work(s)
		e.queue(people[1], "Two")
		e.work(s)
		if texts := e.sms.texts(); len(texts) != 12 || texts[11] != "Two" {
			t.Errorf("sent %v, want One and Two in the same second", texts[10:])
		}
	})
}

// TestSendOrder: a contact's messages go out in the order they were written, however many are sent at once.
func TestSendOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		e.sms.delay = 3 * time.Millisecond
		people := e.contacts(3)
		for i := 0; i < 5; i++ {
			for _, c := range people {
				e.queue(c, fmt.Sprintf("%s #%d", *c.Name, i))
			}
		}
		s := e.sender()
		s.Batch = 7 // rounds of several contacts' messages side by side, a second's 10 split over two rounds
		for round := 0; e.left() > 0; round++ {
			if round > 20 {
				t.Fatalf("%d messages left after 20 rounds", e.left())
			}
			e.work(s)
			if round%2 == 1 {
				e.limiter.Add(time.Second)
			}
		}
		byContact := map[string][]string{}
		for _, r := range e.sms.requests() {
			byContact[r.Form.Get("to")] = append(byContact[r.Form.Get("to")], r.Form.Get("text"))
		}
		for _, c := range people {
			var want []string
			for i := 0; i < 5; i++ {
				want = append(want, fmt.Sprintf("%s #%d", *c.Name, i))
			}
			number := "+" + strings.TrimPrefix(strings.TrimPrefix(e.urnOf(c), "tel:"), "+")
			if got := byContact[number]; !slices.Equal(got, want) {
				t.Errorf("%s got %v, want %v", *c.Name, got, want)
			}
		}
	})
}

func (e *env) urnOf(c *models.Contact) string {
	var identity string
	e.must(e.db.Raw.Table("contact_urns").Where("contact_id = ?", c.ID).Pluck("identity", &identity).Error)
	return identity
}

// TestSenderCrash: messages leased by a sender that died before recording are sent once its lease has run
// out, by another; a message recorded as wired is never sent again.
func TestSenderCrash(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		people := e.contacts(3)
		for _, c := range people {
			e.queue(c, "Hi")
		}
		s := e.sender()
		now := e.store.Now()
		dead, err := e.store.LeaseOutgoing(e.ctx, e.ch.ID, now, now.Add(s.Lease), 10)
		e.must(err)
		if len(dead) != 3 {
			t.Fatalf("the dead sender leased %d", len(dead))
		}
		if e.work(s) || len(e.sms.requests()) != 0 {
			t.Fatal("leased messages were sent while the lease ran")
		}
		e.later(s.Lease - time.Second)
		if e.work(s) {
			t.Fatal("sent before the lease ran out")
		}
		e.later(2 * time.Second)
		if !e.work(s) {
			t.Fatal("nothing sent once the lease ran out")
		}
		for i := 0; i < 3; i++ {
			e.later(s.Lease + time.Minute)
			if e.work(s) {
				t.Error("work found after everything was sent")
			}
		}
		for uuid, n := range e.sms.perMsg() {
			if n != 1 {
				t.Errorf("message %s sent %d times", uuid, n)
			}
		}
		if n := e.count("msgs", "status = ?", models.MsgWired); n != 3 {
			t.Errorf("%d wired", n)
		}
	})
}

// TestSenderStoppedMidBatch: a sender stopped in the middle of a batch (its worker stopped) finishes and records
// the send it had in flight, starts no other and lets the rest go; the next sender sends them, none twice.
// (A process killed outright loses the sends it had in flight: TestSenderCrash.)
func TestSenderStoppedMidBatch(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		e.setConfig(e.ch, map[string]any{"tps": 1000})
		for _, c := range e.contacts(10) {
			e.queue(c, "Hi")
		}
		ctx, stop := context.WithCancel(e.ctx)
		defer stop()
		stopping := e.sender()
		stopping.Concurrency = 1
		e.sms.setRespond(func(r smsRequest, attempt int) (int, http.Header, string) {
			if len(e.sms.requests()) == 4 {
				stop() // the worker is stopped with the fourth send in flight
				time.Sleep(20 * time.Millisecond)
			}
			return http.StatusOK, nil, "ok"
		})
		stopping.WorkOnce(ctx)
		if n := e.count("msgs", "status = ?", models.MsgWired); n != 4 {
			t.Fatalf("%d recorded wired by the stopped sender, want the 4 it started", n)
		}
		if n := len(e.sms.requests()); n != 4 {
			t.Fatalf("%d sends, want 4", n)
		}
		e.sms.setRespond(nil)
		// what the stopped sender never started it let go: the next sender takes it at once
		s := e.sender()
		for e.work(s) {
		}
		counts := e.sms.perMsg()
		for uuid, n := range counts {
			if n != 1 {
				t.Errorf("message %s sent %d times", uuid, n)
			}
		}
		if len(counts) != 10 {
			t.Errorf("%d messages sent, want 10", len(counts))
		}
	})
}

// TestSenderOutlivesLease: a sender whose sends took so long that its lease has mostly run out starts no more
// of them; those messages are sent by the next round, each once.
func TestSenderOutlivesLease(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		people := e.contacts(4)
		for _, c := range people {
			e.queue(c, "Hi")
		}
		s := e.sender()
		s.Concurrency = 1
		e.sms.setRespond(func(r smsRequest, attempt int) (int, http.Header, string) {
			if len(e.sms.requests()) == 1 {
				e.later(s.Lease) // the first send took the whole lease
			}
			return http.StatusOK, nil, "ok"
		})
		e.work(s)
		if n := len(e.sms.requests()); n != 1 {
			t.Fatalf("%d sends started after the lease ran out, want 1", n)
		}
		if n := e.count("msgs", "status = ?", models.MsgWired); n != 1 {
			t.Errorf("%d wired", n)
		}
		for e.work(s) {
		}
		counts := e.sms.perMsg()
		if len(counts) != 4 {
			t.Errorf("%d messages sent, want 4", len(counts))
		}
		for uuid, n := range counts {
			if n != 1 {
				t.Errorf("message %s sent %d times", uuid, n)
			}
		}
	})
}

// TestTwoSenders: two senders working one outbox (two processes with their own stores on PostgreSQL, two
// senders of one process on SQLite) send every message exactly once.
func TestTwoSenders(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		e.setConfig(e.ch, map[string]any{"tps": 1000})
		e.sms.delay = 2 * time.Millisecond
		people := e.contacts(20)
		for i := 0; i < 3; i++ {
			for _, c := range people {
				e.queue(c, fmt.Sprintf("%s #%d", *c.Name, i))
			}
		}
		second := e.process
		if d == models.Postgres {
			store, err := models.OpenStore(e.ctx, e.db.URL, e.clock.Now, runtime.RandomUUID)
			e.must(err)
			t.Cleanup(func() { store.Close() })
			second = e.newProcess(store, throttle.NewMemory(e.limiter.Now))
		}
		senders := []*gateway.Sender{e.sender(), second.sender()}
		ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		worked := make([]int, 2)
		for i, s := range senders {
			s.Batch = 4
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					did, err := s.WorkOnce(ctx)
					if err != nil {
						errs <- err
						return
					}
					if did {
						worked[i]++
					} else if e.left() == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		counts := e.sms.perMsg()
		if len(counts) != 60 {
			t.Errorf("%d messages reached the gateway, want 60", len(counts))
		}
		for uuid, n := range counts {
			if n != 1 {
				t.Errorf("message %s sent %d times", uuid, n)
			}
		}
		if n := e.count("msgs", "status = ?", models.MsgWired); n != 60 {
			t.Errorf("%d wired, want 60", n)
		}
		if worked[0] == 0 || worked[1] == 0 {
			t.Errorf("rounds with work: %v: one sender did everything", worked)
		}
	})
}

// left counts the messages not yet sent.
func (e *env) left() int64 {
	return e.count("msgs", "direction = ? AND status IN ?", models.MsgOut, []models.MsgStatus{models.MsgQueued, models.MsgErrored})
}

// TestSendRemovedChannel: the messages of a channel deleted before they went out fail (channel_removed) and are
// never sent; a channel whose config can't be read fails its own messages and keeps no other channel's waiting.
func TestSendRemovedChannel(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		c := e.newContact(e.ws, "Bob", "+250788123123")
		msg := e.queue(c, "Hello")
		e.must(e.db.Raw.Model(&models.Channel{}).Where("id = ?", e.ch.ID).Update("is_active", false).Error)
		s := e.sender()
		e.work(s)
		if m := e.msgByID(msg.ID); m.Status != models.MsgFailed || deref(m.FailedReason) != models.FailedChannelRemoved {
			t.Errorf("message of a removed channel %+v", m)
		}
		if n := len(e.sms.requests()); n != 0 {
			t.Errorf("%d requests through a removed channel", n)
		}

		// a broken channel and a good one, in either order
		for _, brokenFirst := range []bool{true, false} {
			var broken, good *models.Channel
			if brokenFirst {
				broken = e.channel(e.ws, "+250788000011", "RW", nil)
				good = e.channel(e.ws, "+250788000012", "RW", nil)
			} else {
				good = e.channel(e.ws, "+250788000013", "RW", nil)
				broken = e.channel(e.ws, "+250788000014", "RW", nil)
			}
			e.must(e.db.Raw.Model(&models.Channel{}).Where("id = ?", broken.ID).Update("config", "[not json").Error)
			mine := e.rawQueued(c, broken, "To broken")
			theirs := e.rawQueued(c, good, "To good")
			if _, err := s.WorkOnce(e.ctx); err != nil {
				t.Errorf("a broken channel stopped the round: %v", err)
			}
			if m := e.msgByID(theirs.ID); m.Status != models.MsgWired {
				t.Errorf("good channel's message is %s", m.Status)
			}
			if m := e.msgByID(mine.ID); m.Status != models.MsgFailed || deref(m.FailedReason) != models.FailedSend {
				t.Errorf("broken channel's message %+v", m)
			}
		}
	})
}

// rawQueued writes a queued message on a channel directly, as one made before the channel changed.
func (e *env) rawQueued(c *models.Contact, ch *models.Channel, text string) *models.Msg {
	e.t.Helper()
	now := e.store.Now()
	urn := e.urnOf(c)
	m := &models.Msg{UUID: runtime.RandomUUID(), WorkspaceID: c.WorkspaceID, ContactID: c.ID, URN: &urn, ChannelID: &ch.ID, Direction: models.MsgOut,
		Status: models.MsgQueued, Visibility: models.MsgVisible, Text: text, Attachments: models.StringList{}, QuickReplies: "[]", CreatedOn: now, ModifiedOn: now}
	e.must(e.db.Raw.Create(m).Error)
	return m
}
