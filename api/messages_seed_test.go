package api_test

import (
	"context"
	"time"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/urns"
	"github.com/nyaruka/goflow/core"
)

// The world of the messaging truth files (messages, message_actions, channels, channel_events, statistics),
// written through the paths that write it in earnest: channels made by the store, incoming messages taken by
// the engine host (a keyword starts a flow that waits and labels the reply), outgoing ones sent by it, statuses
// reported as a gateway reports them, sends errored as a sender records them, channel events as the gateway
// adds them, labels put on by message actions. Only what nothing writes yet is inserted raw: a broadcast, an
// incoming message still pending, a channel released.
//
// Every step sets the clock and the UUID sequence first, so what it writes has a time and a UUID the truth
// files can read: message n has the UUID ending in 1000+10n.

// surveyExport is a flow started by the keyword survey that waits for a reply and labels it "Survey" (its first
// wait takes the keyword's message, as the engine's first wait does). It sends nothing, so every message in
// the world is written by the store's clock and UUIDs (the engine's are real).
const surveyExport = `{"version": "13", "site": "https://rapidpro.example.com", "flows": [{
	"uuid": "b7c3d8e2-1f4a-4c6b-9d2e-3a5f6b7c8d90", "name": "Survey", "spec_version": "13.5.0", "language": "eng",
	"type": "messaging", "revision": 1, "expire_after_minutes": 720, "localization": {},
	"nodes": [
		{"uuid": "c1d2e3f4-0000-4000-8000-000000000001", "actions": [],
		 "router": {"type": "switch", "wait": {"type": "msg"}, "result_name": "Answer", "operand": "@input.text", "cases": [],
			"categories": [{"uuid": "c1d2e3f4-0000-4000-8000-000000000002", "name": "All Responses", "exit_uuid": "c1d2e3f4-0000-4000-8000-000000000003"}],
			"default_category_uuid": "c1d2e3f4-0000-4000-8000-000000000002"},
		 "exits": [{"uuid": "c1d2e3f4-0000-4000-8000-000000000003", "destination_uuid": "c1d2e3f4-0000-4000-8000-000000000007"}]},
		{"uuid": "c1d2e3f4-0000-4000-8000-000000000007", "actions": [],
		 "router": {"type": "switch", "wait": {"type": "msg"}, "result_name": "Reply", "operand": "@input.text", "cases": [],
			"categories": [{"uuid": "c1d2e3f4-0000-4000-8000-000000000008", "name": "All Responses", "exit_uuid": "c1d2e3f4-0000-4000-8000-000000000009"}],
			"default_category_uuid": "c1d2e3f4-0000-4000-8000-000000000008"},
		 "exits": [{"uuid": "c1d2e3f4-0000-4000-8000-000000000009", "destination_uuid": "c1d2e3f4-0000-4000-8000-000000000004"}]},
		{"uuid": "c1d2e3f4-0000-4000-8000-000000000004",
		 "actions": [{"uuid": "c1d2e3f4-0000-4000-8000-000000000005", "type": "add_input_labels",
			"labels": [{"uuid": "e1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8", "name": "Survey"}]}],
		 "exits": [{"uuid": "c1d2e3f4-0000-4000-8000-000000000006", "destination_uuid": null}]}
	]}],
	"campaigns": [], "fields": [], "groups": [],
	"triggers": [{"trigger_type": "K", "flow": {"uuid": "b7c3d8e2-1f4a-4c6b-9d2e-3a5f6b7c8d90", "name": "Survey"},
		"groups": [], "exclude_groups": [], "channel": null, "keywords": ["survey"], "match_type": "F"}]}`

// msgWorld is what the messaging truth files start from.
type msgWorld struct {
	gateway, oldGateway           *models.Channel
	joe, frank, bob, ann, gone    *models.Contact
	important, spam               *models.Label
	msgs                          map[int]*models.Msg // by number
	trileetGateway, weniWhatsApp  *models.Channel
	anonGateway                   *models.Channel
	trileetMsg, weniMsg, anonMsg  *models.Msg
	broadcastID, trileetBroadcast int64
}

func init() {
	for _, name := range []string{"messages", "message_actions", "channels", "channel_events", "statistics"} {
		truthSeeds[name] = func(e *env) { seedMsgWorld(e) }
	}
}

// step moves the clock to t and the UUID sequence to end in uuid, before a step of the seed.
func (e *env) step(t time.Time, uuid int64) {
	e.clock.Set(t)
	e.uuids.Skip(uuid)
}

// msgDay is a time on one of the world's days: 30 or 31 December 2024, else a day of January 2025.
func msgDay(d, hour, min int) time.Time {
	if d == 30 || d == 31 {
		return time.Date(2024, 12, d, hour, min, 0, 0, time.UTC)
	}
	return time.Date(2025, 1, d, hour, min, 0, 0, time.UTC)
}

func (e *env) makeChannel(ws string, spec models.ChannelSpec) *models.Channel {
	e.t.Helper()
	ch, err := e.store.CreateChannel(context.Background(), e.ws[ws].ID, spec)
	e.must(err)
	return ch
}

func (e *env) makeContact(ws, name string, urnList ...string) *models.Contact {
	e.t.Helper()
	spec := models.ContactSpec{SetURNs: true}
	if name != "" {
		spec.Name = &name
	}
	for _, u := range urnList {
		spec.URNs = append(spec.URNs, models.URNSpecFor(urns.URN(u)))
	}
	c, err := e.store.CreateContact(context.Background(), e.ws[ws], spec)
	e.must(err)
	return c
}

// receive is a message a contact sends on a channel, as the gateway hands it to the engine host.
func (e *env) receive(ws string, ch *models.Channel, urn, text string, attachments ...string) *models.Msg {
	e.t.Helper()
	m, err := e.host.HandleIncoming(context.Background(), e.ws[ws], flows.Incoming{URN: urns.URN(urn), Text: text, Attachments: attachments, Channel: ch})
	e.must(err)
	return m
}

// sendTo is a message to a contact, as POST messages.json sends one.
func (e *env) sendTo(ws string, c *models.Contact, content *core.MsgContent) *models.Msg {
	e.t.Helper()
	var fresh models.Contact
	e.must(e.db.Raw.Take(&fresh, c.ID).Error)
	m, err := e.host.SendMessage(context.Background(), e.ws[ws], &fresh, content, e.userID(adminOf[ws]))
	e.must(err)
	return m
}

var adminOf = map[string]string{"nyaruka": "admin", "trileet": "admin2", "weni": "weni", "anon": "anon"}

// report is a status the channel's gateway reports for a message it was given.
func (e *env) report(ch *models.Channel, m *models.Msg, status models.MsgStatus) {
	e.t.Helper()
	changed, err := e.store.SetMsgStatus(context.Background(), ch.ID, m.UUID, "", status)
	e.must(err)
	if !changed {
		e.t.Fatalf("status %s of message %s changed nothing", status, m.UUID)
	}
}

func (e *env) msgAction(ws string, spec models.MsgActionSpec) {
	e.t.Helper()
	e.must(e.store.ApplyMsgAction(context.Background(), e.ws[ws].ID, spec))
}

func (e *env) makeLabel(ws, name string) *models.Label {
	e.t.Helper()
	l, err := e.store.CreateLabel(context.Background(), e.ws[ws].ID, name)
	e.must(err)
	return l
}

func (e *env) addEvent(ws string, ch *models.Channel, urn, eventType, extra string, occurred time.Time) {
	e.t.Helper()
	_, err := e.store.AddChannelEvent(context.Background(), e.ws[ws], ch, models.URNSpecFor(urns.URN(urn)), eventType, extra, occurred)
	e.must(err)
}

func (e *env) importSurvey(auth string) {
	e.t.Helper()
	if resp := e.do(request{method: "POST", path: "/api/v2/definitions.json", auth: auth, body: []byte(surveyExport), contentType: "application/json"}); resp.status != 201 {
		e.t.Fatalf("importing the survey: %d %s", resp.status, resp.body)
	}
}

func (e *env) insertBroadcast(ws string, uuid string, created time.Time, msgs ...*models.Msg) int64 {
	e.t.Helper()
	var id int64
	e.must(e.db.Raw.Raw(`INSERT INTO broadcasts (uuid, workspace_id, status, translations, base_language, contact_count, is_active, created_on, modified_on)
		VALUES (?, ?, 'completed', '{"eng": {"text": "Hi", "attachments": [], "quick_replies": []}}', 'eng', ?, TRUE, ?, ?) RETURNING id`,
		uuid, e.ws[ws].ID, len(msgs), created, created).Scan(&id).Error)
	for _, m := range msgs {
		e.must(e.db.Raw.Exec("UPDATE msgs SET broadcast_id = ? WHERE id = ?", id, m.ID).Error)
	}
	return id
}

func seedMsgWorld(e *env) *msgWorld {
	w := &msgWorld{msgs: map[int]*models.Msg{}}
	tel := []string{"tel"}
	e.step(msgDay(30, 8, 0), 310)
	w.gateway = e.makeChannel("nyaruka", models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788000100", Country: "RW", Schemes: tel,
		Config: `{"send_url": "https://gateway.example.com/send"}`})
	e.step(msgDay(30, 8, 1), 320)
	w.oldGateway = e.makeChannel("nyaruka", models.ChannelSpec{Type: "NX", Name: "Old Gateway", Address: "+250788000200", Country: "RW", Schemes: tel})
	e.step(msgDay(30, 8, 2), 330)
	w.trileetGateway = e.makeChannel("trileet", models.ChannelSpec{Type: "EX", Name: "Trileet Gateway", Address: "+15550001000", Country: "US", Schemes: tel})
	e.step(msgDay(30, 8, 3), 340)
	w.weniWhatsApp = e.makeChannel("weni", models.ChannelSpec{Type: "WAC", Name: "WhatsApp", Address: "5511999990000", Schemes: []string{"whatsapp"}})
	e.step(msgDay(30, 8, 4), 350)
	w.anonGateway = e.makeChannel("anon", models.ChannelSpec{Type: "EX", Name: "Anon Gateway", Address: "+250788000900", Country: "RW", Schemes: tel})

	e.step(msgDay(30, 8, 10), 410)
	w.joe = e.makeContact("nyaruka", "Joe Blow", "tel:+250788000001")
	e.step(msgDay(30, 8, 11), 420)
	w.frank = e.makeContact("nyaruka", "Frank", "tel:+250788000002")
	e.step(msgDay(30, 8, 12), 430)
	w.bob = e.makeContact("nyaruka", "Bob", "tel:+250788000003")
	e.step(msgDay(30, 8, 13), 440)
	w.ann = e.makeContact("nyaruka", "Ann", "twitter:annie")
	e.step(msgDay(30, 8, 14), 450)
	w.gone = e.makeContact("nyaruka", "Gone", "tel:+250788000005")
	e.step(msgDay(30, 8, 20), 510)
	w.important = e.makeLabel("nyaruka", "Important")
	e.step(msgDay(30, 8, 21), 520)
	w.spam = e.makeLabel("nyaruka", "Spam")
	e.step(msgDay(30, 8, 30), 610)
	e.importSurvey("admin")
	e.step(msgDay(30, 8, 31), 660)
	e.importSurvey("weni")

	// channel events, before the messages so their contacts' statuses are as the messages need
	e.step(msgDay(30, 9, 0), 710)
	e.addEvent("nyaruka", w.gateway, "tel:+250788000001", "new_conversation", "", msgDay(30, 8, 59))
	e.step(msgDay(30, 9, 30), 720)
	e.addEvent("nyaruka", w.gateway, "tel:+250788000002", "referral", `{"source": "ad", "ad_id": "1234"}`, msgDay(30, 9, 29))
	e.step(msgDay(30, 9, 40), 730)
	e.addEvent("nyaruka", w.gateway, "tel:+250788000006", "stop_contact", "", msgDay(30, 9, 39)) // a contact the event makes
	e.step(msgDay(30, 9, 50), 740)
	e.addEvent("nyaruka", w.oldGateway, "tel:+250788000002", "optin", `{"title": "Offers"}`, msgDay(30, 9, 49))
	e.step(msgDay(30, 9, 55), 750)
	e.addEvent("nyaruka", w.gateway, "tel:+250788000005", "delete_contact", "", msgDay(30, 9, 54))
	e.step(msgDay(30, 9, 58), 760)
	e.addEvent("nyaruka", w.gateway, "tel:+250788000001", "mo_miss", "", msgDay(30, 9, 57))
	e.step(msgDay(30, 9, 59), 770)
	e.addEvent("trileet", w.trileetGateway, "tel:+15550001234", "new_conversation", "", msgDay(30, 9, 58))
	e.step(msgDay(30, 10, 1), 780)
	e.addEvent("weni", w.weniWhatsApp, "whatsapp:5511999990001", "optin", "", msgDay(30, 10, 0))
	e.step(msgDay(30, 10, 2), 790)
	e.addEvent("weni", w.weniWhatsApp, "whatsapp:5511999990001", "referral", "", msgDay(30, 10, 1))
	e.step(msgDay(30, 10, 3), 800)
	e.addEvent("anon", w.anonGateway, "tel:+250788000909", "new_conversation", "", msgDay(30, 10, 2))

	msg := func(n int, t time.Time, write func() *models.Msg) *models.Msg {
		e.step(t, int64(1000+10*n))
		m := write()
		w.msgs[n] = m
		return m
	}
	m1 := msg(1, msgDay(30, 10, 30), func() *models.Msg {
		return e.receive("nyaruka", w.gateway, "tel:+250788000002", "Hello", "image/jpeg:https://example.com/hello.jpg")
	})
	m2 := msg(2, msgDay(30, 11, 0), func() *models.Msg { return e.receive("nyaruka", w.gateway, "tel:+250788000001", "survey") })
	msg(3, msgDay(30, 11, 5), func() *models.Msg { return e.receive("nyaruka", w.gateway, "tel:+250788000001", "yes") })

	e.must(e.store.SetStatus(context.Background(), e.ws["nyaruka"], []int64{w.bob.ID}, models.ContactBlocked))
	m4 := msg(4, msgDay(31, 9, 0), func() *models.Msg { return e.receive("nyaruka", w.gateway, "tel:+250788000003", "buy now") })

	// an errored send, recorded as the sender records it
	m5 := msg(5, msgDay(31, 9, 50), func() *models.Msg { return e.sendTo("nyaruka", w.joe, &core.MsgContent{Text: "Retry me"}) })
	e.step(msgDay(31, 9, 51), 1055)
	leased, err := e.store.LeaseOutgoing(context.Background(), w.gateway.ID, msgDay(31, 9, 51), msgDay(31, 9, 56), 10)
	e.must(err)
	if len(leased) != 1 || leased[0].ID != m5.ID {
		e.t.Fatalf("leased %d messages", len(leased))
	}
	e.must(e.store.RecordSends(context.Background(), []models.SendOutcome{{MsgID: m5.ID, Status: models.MsgErrored, RetryAt: msgDay(31, 10, 51)}}))

	msg(6, msgDay(31, 10, 0), func() *models.Msg {
		return e.sendTo("nyaruka", w.joe, &core.MsgContent{Text: "What is your favorite color?",
			QuickReplies: []core.QuickReply{{Type: "text", Text: "Red"}, {Type: "text", Text: "Green", Extra: "Like grass"}}})
	})
	m7 := msg(7, msgDay(31, 10, 10), func() *models.Msg { return e.sendTo("nyaruka", w.frank, &core.MsgContent{Text: "Welcome"}) })
	m8 := msg(8, msgDay(31, 10, 20), func() *models.Msg { return e.sendTo("nyaruka", w.joe, &core.MsgContent{Text: "Reminder"}) })
	e.step(msgDay(31, 10, 21), 1085)
	e.report(w.gateway, m8, models.MsgDelivered)
	msg(9, msgDay(31, 10, 30), func() *models.Msg { return e.sendTo("nyaruka", w.ann, &core.MsgContent{Text: "Hi Ann"}) }) // no channel sends on twitter
	m10 := msg(10, msgDay(31, 10, 40), func() *models.Msg { return e.sendTo("nyaruka", w.frank, &core.MsgContent{Text: "Are you there?"}) })
	e.step(msgDay(31, 10, 41), 1105)
	e.report(w.gateway, m10, models.MsgFailed)

	m11 := msg(11, msgDay(1, 9, 0), func() *models.Msg { return e.receive("nyaruka", w.gateway, "tel:+250788000002", "delete me") })
	m12 := msg(12, msgDay(1, 9, 10), func() *models.Msg { return e.receive("nyaruka", w.gateway, "tel:+250788000005", "bye") })
	m14 := msg(14, msgDay(1, 9, 40), func() *models.Msg { return e.sendTo("nyaruka", w.frank, &core.MsgContent{Text: "Read this"}) })
	e.step(msgDay(1, 9, 41), 1145)
	e.report(w.gateway, m14, models.MsgSent)
	// Frank writes in on another channel, which answers to him go out on from now on
	msg(13, msgDay(1, 9, 45), func() *models.Msg { return e.receive("nyaruka", w.oldGateway, "tel:+250788000002", "Bonjour") })
	e.step(msgDay(1, 12, 0), 1075)
	e.report(w.gateway, m7, models.MsgWired) // sent after messages made after it

	// an incoming message nothing has handled yet, which no listing shows
	pendingURN := "tel:+250788000002"
	e.insert(&models.Msg{UUID: "00000000-0000-4000-8000-000000001150", WorkspaceID: e.ws["nyaruka"].ID, ContactID: w.frank.ID, URN: &pendingURN,
		ChannelID: &w.gateway.ID, Direction: models.MsgIn, Status: models.MsgPending, Visibility: models.MsgVisible, Text: "pending",
		Attachments: models.StringList{}, QuickReplies: "[]", CreatedOn: msgDay(1, 9, 50), ModifiedOn: msgDay(1, 9, 50)})

	e.step(msgDay(1, 10, 0), 1210)
	e.msgAction("nyaruka", models.MsgActionSpec{Action: models.MsgLabelAction, LabelID: w.important.ID, MsgIDs: []int64{m1.ID, m2.ID, m11.ID, m12.ID}})
	e.step(msgDay(1, 10, 1), 1220)
	e.msgAction("nyaruka", models.MsgActionSpec{Action: models.MsgLabelAction, LabelID: w.spam.ID, MsgIDs: []int64{m4.ID}})
	e.step(msgDay(1, 10, 2), 1230)
	e.msgAction("nyaruka", models.MsgActionSpec{Action: models.MsgDeleteAction, MsgIDs: []int64{m11.ID}})
	e.step(msgDay(1, 10, 3), 1240)
	e.must(e.store.DeleteContacts(context.Background(), e.ws["nyaruka"].ID, []int64{w.gone.ID}))
	e.must(e.db.Raw.Model(&models.Channel{}).Where("id = ?", w.oldGateway.ID).Update("is_active", false).Error)
	w.broadcastID = e.insertBroadcast("nyaruka", "00000000-0000-4000-8000-000000001300", msgDay(31, 10, 0), w.msgs[6], m7)

	// the other workspaces
	e.step(msgDay(1, 11, 0), 2010)
	w.trileetMsg = e.receive("trileet", w.trileetGateway, "tel:+15550001234", "Trileet hello")
	var trileetSpam models.Label
	e.must(e.db.Raw.Where("workspace_id = ? AND name = ?", e.ws["trileet"].ID, "Spam").Take(&trileetSpam).Error)
	e.step(msgDay(1, 11, 1), 2020)
	e.msgAction("trileet", models.MsgActionSpec{Action: models.MsgLabelAction, LabelID: trileetSpam.ID, MsgIDs: []int64{w.trileetMsg.ID}})
	e.step(msgDay(1, 11, 2), 2030)
	trileetContact := &models.Contact{ID: w.trileetMsg.ContactID}
	trileetOut := e.sendTo("trileet", trileetContact, &core.MsgContent{Text: "Trileet reply"})
	w.trileetBroadcast = e.insertBroadcast("trileet", "00000000-0000-4000-8000-000000002300", msgDay(1, 11, 2), trileetOut)

	e.step(msgDay(1, 11, 10), 3010)
	w.weniMsg = e.receive("weni", w.weniWhatsApp, "whatsapp:5511999990001", "survey")
	e.step(msgDay(1, 11, 11), 3020)
	e.receive("weni", w.weniWhatsApp, "whatsapp:5511999990002", "oi", "image/png:https://example.com/oi.png")
	e.step(msgDay(1, 11, 12), 3030)
	e.sendTo("weni", &models.Contact{ID: w.weniMsg.ContactID}, &core.MsgContent{Text: "Olá"})

	e.step(msgDay(1, 11, 20), 4010)
	w.anonMsg = e.receive("anon", w.anonGateway, "tel:+250788000909", "anonymous hello")

	// what the truth files' requests do starts an hour after the world
	e.step(msgDay(1, 13, 0), 9001)
	return w
}

// seedMessagingExample gives the messaging examples what they act on: the example channel (the send example's
// too), a contact's event on it, and a message from them for the message actions example to label (made after
// the send example's message, whose id that example shows).
func (e *env) seedMessagingExample(endpoint string) {
	e.t.Helper()
	const channelUUID, urn = "9a8b001e-a913-486c-80f4-1356e23f582e", "tel:+250788555555"
	var ch models.Channel
	switch endpoint {
	case "channels":
		e.must(e.db.Raw.Exec(`INSERT INTO channels (uuid, workspace_id, channel_type, name, address, country, schemes, role, config, is_active, created_on, modified_on)
			SELECT ?, id, 'EX', 'Gateway', '+250788123123', 'RW', '["tel"]', 'SR', '{}', TRUE, ?, ? FROM workspaces
			WHERE name = 'Nyaruka' AND NOT EXISTS (SELECT 1 FROM channels WHERE uuid = ?)`, channelUUID, seedAt(12, 0), seedAt(12, 0), channelUUID).Error)
		e.must(e.db.Raw.Exec("UPDATE workspaces SET config_version = config_version + 1").Error)
	case "channel_events":
		e.must(e.db.Raw.Where("uuid = ?", channelUUID).Take(&ch).Error)
		e.makeContact("nyaruka", "Mary Jones", urn)
		e.addEvent("nyaruka", &ch, urn, "referral", `{"source": "ad", "ad_id": "1234"}`, time.Time{})
	case "message_actions":
		e.must(e.db.Raw.Where("uuid = ?", channelUUID).Take(&ch).Error)
		m := e.receive("nyaruka", &ch, urn, "Yes, see you then")
		e.must(e.db.Raw.Model(&models.Msg{}).Where("id = ?", m.ID).Update("uuid", "0199bb98-3637-778d-9dfc-0ab85c950d7c").Error)
	}
}
