package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/gateway"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestReceive: a message POSTed or GOT at /c/ex/<uuid>/receive is answered with courier's JSON and its UUID,
// stored on its channel with the URN read in the channel's country and the date as when it was sent, makes the
// contact of a new number, and goes to the engine: the keyword starts the flow, whose question is queued on
// that channel to that URN, and the next message, the answer, moves the run on.
func TestReceive(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		// EX reads from, text and date; id and attachments are not EX's and are ignored, as courier ignores them
		a := e.call(http.MethodPost, path(e.ch, "receive"), url.Values{"from": {"0788 123 123"}, "text": {"color please"},
			"date": {"2025-06-23T12:30:00.500+02:00"}, "id": {"ext-123"}, "attachments": {"image/jpeg:https://x.example/a.jpg"}})
		if a.status != http.StatusOK || a.json.Message != "Message Accepted" || len(a.json.Data) != 1 {
			t.Fatalf("answer %d %s", a.status, a.body)
		}
		data := a.json.Data[0]
		want := map[string]any{"type": "msg", "channel_uuid": e.ch.UUID, "text": "color please", "urn": "tel:+250788123123",
			"received_on": "2025-06-23T10:30:00.5Z"}
		for k, v := range want {
			if data[k] != v {
				t.Errorf("answer's %s is %v, want %v", k, data[k], v)
			}
		}
		if _, has := data["external_id"]; has {
			t.Errorf("answer has an external id: %s", a.body)
		}
		uuid, _ := data["msg_uuid"].(string)
		if uuid == "" {
			t.Fatalf("no msg_uuid in %s", a.body)
		}

		in := e.msg(uuid)
		if in.Direction != models.MsgIn || in.Status != models.MsgHandled || deref(in.ChannelID) != e.ch.ID || deref(in.URN) != "tel:+250788123123" ||
			in.Text != "color please" || in.ExternalID != nil || in.WorkspaceID != e.ws.ID || len(in.Attachments) != 0 {
			t.Errorf("incoming message is %+v", in)
		}
		if in.SentOn == nil || !in.SentOn.Equal(time.Date(2025, 6, 23, 10, 30, 0, 500000000, time.UTC)) {
			t.Errorf("sent_on %v, want the date the gateway gave", in.SentOn)
		}
		contact := e.contactOf(e.ws, "tel:+250788123123")
		if contact == nil || contact.ID != in.ContactID || contact.Status != models.ContactActive || contact.LastSeenOn == nil {
			t.Fatalf("contact %+v", contact)
		}
		var u models.ContactURN
		e.must(e.db.Raw.Where("contact_id = ?", contact.ID).Take(&u).Error)
		if deref(u.ChannelID) != e.ch.ID {
			t.Errorf("the URN is tied to channel %v, want %d", deref(u.ChannelID), e.ch.ID)
		}
		var flowID int64
		e.must(e.db.Raw.Table("flows").Where("workspace_id = ? AND name = ?", e.ws.ID, favoriteColor).Pluck("id", &flowID).Error)
		if deref(in.FlowID) != flowID {
			t.Errorf("message went to flow %v, want %d", deref(in.FlowID), flowID)
		}

		out := e.outgoing(contact.ID)
		if len(out) != 1 {
			t.Fatalf("%d replies", len(out))
		}
		q := out[0]
		if q.Text != askColor || q.Status != models.MsgQueued || deref(q.ChannelID) != e.ch.ID || deref(q.URN) != "tel:+250788123123" ||
			!q.HighPriority || deref(q.SessionStatus) != "W" || q.WorkspaceID != e.ws.ID {
			t.Errorf("reply is %+v", q)
		}

		// the answer, as a GET with a trailing slash (courier strips it), in international form
		a = e.call(http.MethodGet, path(e.ch, "receive")+"/", url.Values{"from": {"+250788123123"}, "text": {"blue"}})
		if a.status != http.StatusOK || a.json.Message != "Message Accepted" {
			t.Fatalf("GET answer %d %s", a.status, a.body)
		}
		second := e.msg(a.json.Data[0]["msg_uuid"].(string))
		if second.ContactID != contact.ID || second.SentOn == nil || !within(*second.SentOn, second.CreatedOn, time.Second) {
			t.Errorf("second message %+v", second)
		}
		out = e.outgoing(contact.ID)
		if len(out) != 2 || out[1].Text != "Great, Blue it is!" || out[1].Status != models.MsgQueued || deref(out[1].SessionStatus) != "C" {
			t.Fatalf("replies %d, last %+v", len(out), out[len(out)-1])
		}
		var run models.FlowRun
		e.must(e.db.Raw.Where("contact_id = ?", contact.ID).Take(&run).Error)
		if run.Status != models.RunCompleted || !run.Responded {
			t.Errorf("run is %s (responded %v), want completed", run.Status, run.Responded)
		}
		if n := e.count("contacts", "workspace_id = ?", e.ws.ID); n != 1 {
			t.Errorf("%d contacts, want 1", n)
		}

		// the longest text taken, in multipart form as some gateways send it
		long := strings.Repeat("é", gateway.MaxTextLength)
		req, err := http.NewRequest(http.MethodPost, e.server.URL+path(e.ch, "receive"), strings.NewReader(multipartBody(long)))
		e.must(err)
		req.Header.Set("Content-Type", "multipart/form-data; boundary=XyZ")
		if a := e.do(req); a.status != http.StatusOK {
			t.Fatalf("longest text: %d %.300s", a.status, a.body)
		} else if m := e.msg(a.json.Data[0]["msg_uuid"].(string)); m.Text != long {
			t.Errorf("longest text stored as %d bytes", len(m.Text))
		}
	})
}

// TestReceiveWorkspaces: a channel of one workspace makes and finds contacts in it only: the same number in
// another workspace is left as it is.
func TestReceiveWorkspaces(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		theirs := e.newContact(e.other, "Theirs", "+250788123123")
		before := e.contact(theirs.ID)
		a := e.receive(e.ch, "0788123123", "color")
		mine := e.contactOf(e.ws, "tel:+250788123123")
		if mine == nil || mine.ID == theirs.ID || mine.WorkspaceID != e.ws.ID {
			t.Fatalf("contact in A is %+v", mine)
		}
		if m := e.msg(a.json.Data[0]["msg_uuid"].(string)); m.ContactID != mine.ID || m.WorkspaceID != e.ws.ID {
			t.Errorf("message %+v", m)
		}
		after := e.contact(theirs.ID)
		if !after.ModifiedOn.Equal(before.ModifiedOn) || after.LastSeenOn != nil || after.Status != before.Status {
			t.Errorf("B's contact changed: %+v -> %+v", before, after)
		}
		var u models.ContactURN
		e.must(e.db.Raw.Where("contact_id = ?", theirs.ID).Take(&u).Error)
		if u.ChannelID != nil {
			t.Errorf("B's URN was tied to A's channel")
		}
		if n := e.count("msgs", "workspace_id = ?", e.other.ID); n != 0 {
			t.Errorf("%d messages in B", n)
		}
	})
}

// TestStatuses: /sent, /delivered and /failed name the message by id or uuid; statuses only move on, a
// message of another channel or none is ignored, and the answer is courier's either way.
func TestStatuses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		e.receive(e.ch, "0788123123", "color")
		contact := e.contactOf(e.ws, "tel:+250788123123")
		msg := e.outgoing(contact.ID)[0]
		if !e.work(e.sender()) {
			t.Fatal("nothing sent")
		}
		if m := e.msgByID(msg.ID); m.Status != models.MsgWired {
			t.Fatalf("message is %s after its send", m.Status)
		}

		status := func(id int64, action string, form url.Values, want models.MsgStatus, letter string) {
			t.Helper()
			a := e.call(http.MethodPost, path(e.ch, action), form)
			if a.status != http.StatusOK || a.json.Message != "Status Update Accepted" || len(a.json.Data) != 1 ||
				a.json.Data[0]["type"] != "status" || a.json.Data[0]["status"] != letter || a.json.Data[0]["channel_uuid"] != e.ch.UUID {
				t.Errorf("%s %v: %d %s", action, form, a.status, a.body)
			}
			if m := e.msgByID(id); m.Status != want {
				t.Errorf("after %s the message is %s, want %s", action, m.Status, want)
			}
		}
		status(msg.ID, "sent", url.Values{"id": {msg.UUID}}, models.MsgSent, "S")
		sentOn := e.msgByID(msg.ID).SentOn
		status(msg.ID, "delivered", url.Values{"uuid": {msg.UUID}}, models.MsgDelivered, "D")
		status(msg.ID, "sent", url.Values{"id": {msg.UUID}}, models.MsgDelivered, "S")   // late: ignored
		status(msg.ID, "failed", url.Values{"id": {msg.UUID}}, models.MsgDelivered, "F") // delivered can't fail
		if m := e.msgByID(msg.ID); m.SentOn == nil || !m.SentOn.Equal(*sentOn) {
			t.Errorf("sent_on moved: %v -> %v", sentOn, m.SentOn)
		}

		// an unknown message, and one of another channel: courier's 200, and nothing changes
		other := e.channel(e.ws, "+250788000002", "RW", nil)
		before := e.rows()
		var modified time.Time
		e.must(e.db.Raw.Table("msgs").Where("id = ?", msg.ID).Pluck("modified_on", &modified).Error)
		for _, tc := range []struct {
			ch   *models.Channel
			form url.Values
		}{
			{e.ch, url.Values{"id": {"7d8a1f0c-3e2b-4c5d-9e8f-0a1b2c3d4e5f"}}},
			{other, url.Values{"id": {msg.UUID}}},
			{e.ch, url.Values{"id": {e.msgIn(contact.ID).UUID}}}, // an incoming message has no status to report
		} {
			a := e.call(http.MethodGet, path(tc.ch, "delivered"), tc.form)
			if a.status != http.StatusOK || a.json.Message != "Status Update Accepted" {
				t.Errorf("%v: %d %s", tc.form, a.status, a.body)
			}
		}
		if after := e.rows(); !after.same(before) {
			t.Errorf("ignored statuses wrote: %v -> %v", before, after)
		}
		var modifiedAfter time.Time
		e.must(e.db.Raw.Table("msgs").Where("id = ?", msg.ID).Pluck("modified_on", &modifiedAfter).Error)
		if !modified.Equal(modifiedAfter) {
			t.Errorf("an ignored status touched the message")
		}
		if m := e.msgIn(contact.ID); m.Status != models.MsgHandled {
			t.Errorf("incoming message is %s", m.Status)
		}

		// failed moves a message that isn't delivered yet
		second := e.queue(contact, "Another")
		status(second.ID, "failed", url.Values{"id": {second.UUID}}, models.MsgFailed, "F")

		// bad ids are the gateway's mistake
		e.wantError(e.call(http.MethodPost, path(e.ch, "sent"), url.Values{}), 400, "Error", "parameters id or uuid should not be empty")
		e.wantError(e.call(http.MethodPost, path(e.ch, "sent"), url.Values{"id": {"123"}}), 400, "Error",
			"parsing failed: id '123' and uuid '' are not valid UUIDs")
	})
}

// msgIn is a contact's first incoming message.
func (e *env) msgIn(contactID int64) *models.Msg {
	e.t.Helper()
	m := &models.Msg{}
	e.must(e.db.Raw.Where("contact_id = ? AND direction = ?", contactID, models.MsgIn).Order("id").Take(m).Error)
	return m
}

// TestStopped: /stopped stops the contact, ends the flow they were waiting in and records a stop_contact
// event; a number nobody has gets a contact, stopped; their next message makes them active again.
func TestStopped(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		e.receive(e.ch, "0788123123", "color")
		contact := e.contactOf(e.ws, "tel:+250788123123")
		if contact.CurrentSessionID == nil {
			t.Fatal("no waiting session")
		}
		a := e.call(http.MethodPost, path(e.ch, "stopped"), url.Values{"from": {"+250788123123"}})
		if a.status != http.StatusOK || a.json.Message != "Event Accepted" || len(a.json.Data) != 1 ||
			a.json.Data[0]["event_type"] != "stop_contact" || a.json.Data[0]["urn"] != "tel:+250788123123" || a.json.Data[0]["type"] != "event" {
			t.Fatalf("answer %d %s", a.status, a.body)
		}
		c := e.contact(contact.ID)
		if c.Status != models.ContactStopped || c.CurrentSessionID != nil {
			t.Errorf("contact is %s in session %v, want stopped in none", c.Status, deref(c.CurrentSessionID))
		}
		var session models.FlowSession
		e.must(e.db.Raw.Take(&session, *contact.CurrentSessionID).Error)
		if session.Status != models.SessionInterrupted {
			t.Errorf("session is %s, want interrupted", session.Status)
		}
		var ev models.ChannelEvent
		e.must(e.db.Raw.Where("contact_id = ?", contact.ID).Take(&ev).Error)
		if ev.EventType != "stop_contact" || ev.ChannelID != e.ch.ID || ev.WorkspaceID != e.ws.ID || ev.Extra != "{}" {
			t.Errorf("event %+v", ev)
		}

		// a number nobody has: a contact, stopped
		a = e.call(http.MethodGet, path(e.ch, "stopped"), url.Values{"from": {"0788999999"}})
		if a.status != http.StatusOK {
			t.Fatalf("stopping a new number: %d %s", a.status, a.body)
		}
		if n := e.contactOf(e.ws, "tel:+250788999999"); n == nil || n.Status != models.ContactStopped {
			t.Errorf("new number's contact is %+v", n)
		}

		// writing in undoes the stop
		e.receive(e.ch, "0788123123", "hello")
		if c := e.contact(contact.ID); c.Status != models.ContactActive {
			t.Errorf("contact is %s after writing in, want active", c.Status)
		}
		if out := e.outgoing(contact.ID); out[len(out)-1].Text != keywordMenu || out[len(out)-1].Status != models.MsgQueued {
			t.Errorf("last reply %+v", out[len(out)-1])
		}

		e.wantError(e.call(http.MethodPost, path(e.ch, "stopped"), url.Values{}), 400, "Error",
			"Key: 'stopContactForm.From' Error:Field validation for 'From' failed on the 'required' tag")
	})
}

// TestBadRequests: every request the gateway can't take is answered 4xx in courier's shape, and writes nothing.
func TestBadRequests(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		e.receive(e.ch, "0788123123", "color") // something to leave untouched
		gone := e.channel(e.ws, "+250788000009", "RW", nil)
		e.must(e.db.Raw.Model(&models.Channel{}).Where("id = ?", gone.ID).Update("is_active", false).Error)
		wac, err := e.store.CreateChannel(e.ctx, e.ws.ID, models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "1234", Schemes: []string{"whatsapp"}})
		e.must(err)
		ext, err := e.store.CreateChannel(e.ctx, e.ws.ID, models.ChannelSpec{Type: "EX", Name: "Ext", Address: "ext", Schemes: []string{"ext"}, Config: "{}"})
		e.must(err)
		big := strings.Repeat("a", 11<<20)

		for _, tc := range []struct {
			label, method, path string
			form                url.Values
			body, contentType   string
			status              int
			message, err        string
		}{
			{"unknown channel", "POST", "/c/ex/7d8a1f0c-3e2b-4c5d-9e8f-0a1b2c3d4e5f/receive", url.Values{"from": {"0788123123"}, "text": {"hi"}}, "", "", 400, "Error", "channel not found"},
			{"deleted channel", "POST", path(gone, "receive"), url.Values{"from": {"0788123123"}, "text": {"hi"}}, "", "", 400, "Error", "channel not found"},
			{"deleted channel stop", "POST", path(gone, "stopped"), url.Values{"from": {"0788123123"}}, "", "", 400, "Error", "channel not found"},
			{"channel of another type", "POST", path(wac, "receive"), url.Values{"from": {"0788123123"}, "text": {"hi"}}, "", "", 400, "Error", "channel type wrong"},
			{"malformed uuid", "POST", "/c/ex/not-a-uuid/receive", url.Values{"from": {"0788123123"}}, "", "", 404, "Not Found", ""},
			{"upper-case uuid", "POST", "/c/ex/" + strings.ToUpper(e.ch.UUID) + "/receive", url.Values{"from": {"0788123123"}}, "", "", 404, "Not Found", ""},
			{"unknown type", "POST", "/c/xx/" + e.ch.UUID + "/receive", url.Values{"from": {"0788123123"}}, "", "", 404, "Not Found", ""},
			{"unknown action", "POST", path(e.ch, "wired"), url.Values{"id": {"7d8a1f0c-3e2b-4c5d-9e8f-0a1b2c3d4e5f"}}, "", "", 404, "Not Found", ""},
			{"no action", "GET", "/c/ex/" + e.ch.UUID, nil, "", "", 404, "Not Found", ""},
			{"too deep", "GET", path(e.ch, "receive") + "/more", nil, "", "", 404, "Not Found", ""},
			{"PUT", "PUT", path(e.ch, "receive"), url.Values{"from": {"0788123123"}}, "", "", 405, "Method Not Allowed", "method not allowed: PUT"},
			{"DELETE", "DELETE", path(e.ch, "stopped"), nil, "", "", 405, "Method Not Allowed", "method not allowed: DELETE"},
			{"missing from", "POST", path(e.ch, "receive"), url.Values{"text": {"hi"}}, "", "", 400, "Error", "must have one of 'sender' or 'from' set"},
			{"empty from", "GET", path(e.ch, "receive"), url.Values{"from": {""}, "text": {"hi"}}, "", "", 400, "Error", "must have one of 'sender' or 'from' set"},
			{"invalid from", "POST", path(e.ch, "receive"), url.Values{"from": {"MTN"}, "text": {"hi"}}, "", "", 400, "Error", "not a possible number"},
			{"invalid stop from", "POST", path(e.ch, "stopped"), url.Values{"from": {"MTN"}}, "", "", 400, "Error", "not a possible number"},
			{"invalid date", "POST", path(e.ch, "receive"), url.Values{"from": {"0788123123"}, "date": {"2017-06-23T12:30:00"}}, "", "", 400, "Error", "invalid date format, must be RFC 3339"},
			{"bad escape in body", "POST", path(e.ch, "receive"), nil, "from=%zz&text=hi", "application/x-www-form-urlencoded", 400, "Error", ""},
			{"bad escape in query", "GET", path(e.ch, "receive") + "?from=%zz", nil, "", "", 400, "Error", ""},
			{"JSON body", "POST", path(e.ch, "receive"), nil, `{"from": "0788123123", "text": "hi"}`, "application/json", 400, "Error", "must have one of 'sender' or 'from' set"},
			{"URN too long", "POST", path(ext, "receive"), url.Values{"from": {strings.Repeat("x", 300)}, "text": {"hi"}}, "", "", 400, "Error", "path component too long"},
			{"oversized form", "POST", path(e.ch, "receive"), nil, "from=0788123123&text=" + big, "application/x-www-form-urlencoded", 400, "Error", "invalid request: http: request body too large"},
			{"oversized multipart", "POST", path(e.ch, "receive"), nil, multipartBody(big), "multipart/form-data; boundary=XyZ", 400, "Error", "invalid request: http: request body too large"},
			{"text too long", "POST", path(e.ch, "receive"), url.Values{"from": {"0788123123"}, "text": {strings.Repeat("é", gateway.MaxTextLength+1)}}, "", "", 400, "Error",
				"text too long: a message may have at most 65536 characters"},
		} {
			before := e.rows()
			var a answer
			if tc.body != "" {
				req, err := http.NewRequest(tc.method, e.server.URL+tc.path, strings.NewReader(tc.body))
				e.must(err)
				req.Header.Set("Content-Type", tc.contentType)
				a = e.do(req)
			} else {
				a = e.call(tc.method, tc.path, tc.form)
			}
			if a.status != tc.status || a.json.Message != tc.message || len(a.json.Data) == 0 || a.json.Data[0]["type"] != "error" ||
				(tc.err != "" && a.json.Data[0]["error"] != tc.err) {
				t.Errorf("%s: %d %.300s, want %d %s %q", tc.label, a.status, a.body, tc.status, tc.message, tc.err)
			}
			if after := e.rows(); !after.same(before) {
				t.Errorf("%s wrote: %v -> %v", tc.label, before, after)
			}
		}
	})
}

func multipartBody(text string) string {
	return "--XyZ\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\n0788123123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n" +
		text + "\r\n--XyZ--\r\n"
}

// TestStopWhileHandling: a stop that comes while a message of the contact is being handled (the handler holds
// the contact's lock, and commits a waiting session after the stop was written) still leaves the contact in no
// flow: the stop waits for the lock and ends that session too.
func TestStopWhileHandling(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		contact := e.newContact(e.ws, "Bob", "+250788123123")
		release, err := e.store.Locks.Lock(e.ctx, []int64{contact.ID}, time.Second)
		e.must(err)
		done := make(chan answer, 1)
		go func() { done <- e.call(http.MethodPost, path(e.ch, "stopped"), url.Values{"from": {"0788123123"}}) }()
		deadline := time.Now().Add(10 * time.Second)
		for e.count("channel_events", "contact_id = ?", contact.ID) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the stop was never recorded")
			}
			time.Sleep(5 * time.Millisecond)
		}
		// what the handler holding the lock commits: a session waiting for the contact
		var flowID int64
		e.must(e.db.Raw.Table("flows").Where("workspace_id = ? AND name = ?", e.ws.ID, favoriteColor).Pluck("id", &flowID).Error)
		session := &models.FlowSession{UUID: "5e551011-0000-4000-8000-000000000001", WorkspaceID: e.ws.ID, ContactID: contact.ID,
			Status: models.SessionWaiting, CurrentFlowID: &flowID, Output: "{}", CreatedOn: e.store.Now()}
		e.must(e.db.Raw.Create(session).Error)
		e.must(e.db.Raw.Model(&models.Contact{}).Where("id = ?", contact.ID).Updates(map[string]any{"current_session_id": session.ID, "current_flow_id": flowID}).Error)
		select {
		case a := <-done:
			t.Fatalf("the stop was answered (%d) while the contact's message was being handled", a.status)
		case <-time.After(50 * time.Millisecond):
		}
		release()
		if a := <-done; a.status != http.StatusOK {
			t.Fatalf("stop: %d %s", a.status, a.body)
		}
		var s models.FlowSession
		e.must(e.db.Raw.Take(&s, session.ID).Error)
		c := e.contact(contact.ID)
		if s.Status != models.SessionInterrupted || c.CurrentSessionID != nil || c.Status != models.ContactStopped {
			t.Errorf("session %s, contact %s in session %v: want interrupted, stopped in none", s.Status, c.Status, deref(c.CurrentSessionID))
		}
	})
}

// TestReceiveDuplicates: a gateway posting the same message again a moment later (a retry, a user pressing send
// twice) gets the first message's UUID back, as courier's dedup answers, and nothing is written or handled twice;
// another text, the same text once a reply went out, or the same text after the window is a new message.
func TestReceiveDuplicates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d)
		uuidOf := func(a answer) string { return a.json.Data[0]["msg_uuid"].(string) }
		first := uuidOf(e.receive(e.ch, "0788123123", "hello"))
		again := e.receive(e.ch, "0788123123", "hello")
		if uuidOf(again) != first || again.json.Message != "Message Accepted" {
			t.Fatalf("the repeat answered %s, want the first's UUID %s", again.body, first)
		}
		contact := e.contactOf(e.ws, "tel:+250788123123")
		if n := e.count("msgs", "contact_id = ? AND direction = ?", contact.ID, models.MsgIn); n != 1 {
			t.Fatalf("%d incoming messages, want 1", n)
		}
		// another number, or another text, is another message
		if uuidOf(e.receive(e.ch, "0788123124", "hello")) == first || uuidOf(e.receive(e.ch, "0788123123", "hello!")) == first {
			t.Fatal("a different message was taken for a repeat")
		}
		// "color" starts the flow, whose question is queued: a repeat is still a repeat (courier forgets the last
		// message once one to the contact is taken for sending); once the question has gone out, it is a new one
		q := uuidOf(e.receive(e.ch, "0788123123", "color"))
		if uuidOf(e.receive(e.ch, "0788123123", "color")) != q {
			t.Fatal("a repeat while the question waited to be sent wasn't taken for one")
		}
		if _, err := e.process.sender().WorkOnce(e.ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.count("msgs", "contact_id = ? AND direction = ? AND status = ?", contact.ID, models.MsgOut, models.MsgWired); n == 0 {
			t.Fatal("the flow's question didn't go out")
		}
		if uuidOf(e.receive(e.ch, "0788123123", "color")) == q {
			t.Fatal("a message after the flow's question was taken for a repeat")
		}
		// past the window, the same text is a new message
		later := uuidOf(e.receive(e.ch, "0788123125", "hi"))
		e.clock.Set(e.store.Now().Add(models.DuplicateWindow + time.Second))
		if uuidOf(e.receive(e.ch, "0788123125", "hi")) == later {
			t.Fatal("a message after the window was taken for a repeat")
		}
	})
}
