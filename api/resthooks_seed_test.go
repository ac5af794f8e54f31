package api_test

import (
	"time"

	"github.com/flowsd/flowsd/models"
)

// The world of the resthook truth files (resthooks, resthook_subscribers, resthook_events): resthooks as a
// flow import makes them, subscribers as the API and the engine leave them (some deleted), and the payloads
// flows gave, written straight into the database with times the files can read. Every workspace has some, so
// each listing shows it keeps to its own; Trileet has a resthook of the same slug as one of Nyaruka's.

func init() {
	for _, name := range []string{"resthooks", "resthook_subscribers", "resthook_events"} {
		truthSeeds[name] = func(e *env) { seedResthookWorld(e) }
	}
}

// hookAt is a time on the fixture's date, to the second.
func hookAt(hour, min, sec int) time.Time { return time.Date(2025, 1, 1, hour, min, sec, 0, time.UTC) }

func (e *env) seedResthook(ws, slug string, active bool, created, modified time.Time) *models.Resthook {
	e.t.Helper()
	r := &models.Resthook{WorkspaceID: e.ws[ws].ID, Slug: slug, IsActive: active, CreatedOn: created, ModifiedOn: modified}
	e.insert(r)
	return r
}

func (e *env) seedSubscriber(hook *models.Resthook, url string, active bool, created time.Time) *models.ResthookSubscriber {
	e.t.Helper()
	s := &models.ResthookSubscriber{WorkspaceID: hook.WorkspaceID, ResthookID: hook.ID, TargetURL: url, IsActive: active,
		CreatedOn: created, ModifiedOn: created}
	e.insert(s)
	return s
}

func (e *env) seedResthookEvent(hook *models.Resthook, data string, created time.Time) *models.ResthookEvent {
	e.t.Helper()
	ev := &models.ResthookEvent{WorkspaceID: hook.WorkspaceID, ResthookID: hook.ID, Data: data, CreatedOn: created}
	e.insert(ev)
	return ev
}

// seedDelivery records an event's delivery to a subscriber as the flow's call and the retries leave it.
func (e *env) seedDelivery(ev *models.ResthookEvent, sub *models.ResthookSubscriber, status models.DeliveryStatus, attempts, code int, last time.Time, next *time.Time) {
	e.t.Helper()
	e.insert(&models.ResthookDelivery{WorkspaceID: ev.WorkspaceID, EventID: ev.ID, SubscriberID: sub.ID, TargetURL: sub.TargetURL,
		IdempotencyKey: models.DeliveryKey(sub.TargetURL, []byte(ev.Data)), Status: status, Attempts: attempts, LastStatusCode: code,
		FirstAttemptOn: ev.CreatedOn, LastAttemptOn: last, NextAttemptOn: next})
}

// payload is a resthook payload as goflow writes it (its keys in goflow's order), for a contact and a result.
func payload(contactUUID, name, value string) string {
	return `{"contact": {"uuid": "` + contactUUID + `", "name": "` + name + `", "urn": "tel:+250788000001", "language": "eng"},` +
		` "flow": {"uuid": "f1000000-0000-4000-8000-000000000001", "name": "Registration", "revision": 3},` +
		` "path": [{"node_uuid": "27a86a1b-6cc4-4ae3-b73d-89650966a82f", "arrived_on": "2025-01-01T09:59:59.123456Z", "exit_uuid": "fc32aeb0-ac3e-42a8-9ea7-10248fdf52a1"}],` +
		` "results": {"name": {"category": "All Responses", "category_localized": "All Responses", "created_on": "2025-01-01T09:59:59.5Z",` +
		` "input": "` + value + `", "name": "Name", "node_uuid": "27a86a1b-6cc4-4ae3-b73d-89650966a82f", "value": "` + value + `"}},` +
		` "run": {"uuid": "e1000000-0000-4000-8000-000000000001", "created_on": "2025-01-01T09:59:58.000001Z"},` +
		` "input": null, "channel": null}`
}

func seedResthookWorld(e *env) {
	// Nyaruka: registration and new-mother were both last changed at 09:00, so the id breaks the tie
	mother := e.seedResthook("nyaruka", "new-mother", true, hookAt(8, 0, 0), hookAt(9, 0, 0))
	father := e.seedResthook("nyaruka", "new-father", true, hookAt(8, 10, 0), hookAt(8, 30, 0))
	e.seedResthook("nyaruka", "registration", true, hookAt(8, 20, 0), hookAt(9, 0, 0))
	gone := e.seedResthook("nyaruka", "gone-hook", false, hookAt(8, 5, 0), hookAt(8, 5, 0))
	theirMother := e.seedResthook("trileet", "new-mother", true, hookAt(8, 0, 0), hookAt(10, 0, 0))
	e.seedResthook("trileet", "trileet-only", true, hookAt(8, 0, 0), hookAt(8, 0, 0))
	weni := e.seedResthook("weni", "weni-hook", true, hookAt(8, 0, 0), hookAt(8, 0, 0))
	anon := e.seedResthook("anon", "anon-hook", true, hookAt(8, 0, 0), hookAt(8, 0, 0))

	motherA := e.seedSubscriber(mother, "https://a.example.com/mother", true, hookAt(9, 0, 0))        // 1
	motherB := e.seedSubscriber(mother, "http://b.example.com/mother?x=1", true, hookAt(9, 10, 0))    // 2
	e.seedSubscriber(father, "https://a.example.com/father", true, hookAt(9, 20, 0))                  // 3
	e.seedSubscriber(mother, "https://old.example.com/unsubscribed", false, hookAt(9, 5, 0))          // 4, deleted
	e.seedSubscriber(gone, "https://gone.example.com/hook", true, hookAt(9, 30, 0))                   // 5, of a deleted resthook
	theirSub := e.seedSubscriber(theirMother, "https://t.example.com/mother", true, hookAt(9, 15, 0)) // 6, Trileet's
	e.seedSubscriber(weni, "https://weni.example.com/hook", true, hookAt(9, 0, 0))                    // 7, Weni's

	joe := e.seedResthookEvent(mother, payload("c1000000-0000-4000-8000-000000000001", "Joe Blow", "Joe"), hookAt(10, 0, 0))
	// Joe's payload reached the first subscriber on its second attempt; the second still fails and is retried
	next := hookAt(10, 0, 20)
	e.seedDelivery(joe, motherA, models.DeliveryDelivered, 2, 200, hookAt(10, 0, 5), nil)
	e.seedDelivery(joe, motherB, models.DeliveryRetrying, 2, 503, hookAt(10, 0, 5), &next)
	e.seedResthookEvent(father, payload("c1000000-0000-4000-8000-000000000002", "Frank", "Frank"), hookAt(10, 5, 0))
	e.seedResthookEvent(mother, `{"z": 1, "a": {"y": [true, null, 1.5], "b": "two"}}`, hookAt(10, 10, 0))
	e.seedResthookEvent(gone, `{"contact": {"name": "Gone"}}`, hookAt(10, 15, 0))
	theirs := e.seedResthookEvent(theirMother, `{"contact": {"name": "Not Yours"}}`, hookAt(10, 20, 0))
	e.seedDelivery(theirs, theirSub, models.DeliveryFailed, 1, 400, hookAt(10, 20, 0), nil)
	e.seedResthookEvent(weni, `{"contact": {"name": "Kayônza 🎉"}}`, hookAt(10, 0, 0))
	e.seedResthookEvent(anon, `not a JSON object`, hookAt(10, 0, 0))
}
