package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

// Resthooks are made by importing flows that call them; clients list them, subscribe URLs to them (as Zapier
// does) and read the payloads flows gave them.

// maxTargetURLLen bounds a subscriber's URL: Django's URLField default, which RapidPro's model field has.
const maxTargetURLLen = 200

var (
	exampleHookTime     = time.Date(2025, 1, 6, 15, 33, 0, 813162000, time.UTC)
	exampleResthook     = models.Resthook{ID: 1, Slug: "new-mother", IsActive: true, CreatedOn: exampleHookTime, ModifiedOn: exampleHookTime.Add(time.Hour)}
	exampleSubscription = models.SubscriberListing{ResthookSubscriber: models.ResthookSubscriber{ID: 10404, ResthookID: 1,
		TargetURL: "https://zapier.com/receive/1234", IsActive: true, CreatedOn: exampleHookTime.Add(time.Hour), ModifiedOn: exampleHookTime.Add(time.Hour)},
		Slug: exampleResthook.Slug}
	exampleResthookEvent = models.ResthookEventListing{ResthookEvent: models.ResthookEvent{ID: 1, ResthookID: 1,
		Data: `{"contact": {"uuid": "09d23a05-47fe-11e4-bfe9-b8f6b119e9ab", "name": "Ben Haggerty", "urn": "tel:+250788123123", "language": "eng"},` +
			` "flow": {"uuid": "f5901b62-ba76-4003-9c62-72fdacc1b7b7", "name": "Registration", "revision": 2},` +
			` "path": [{"node_uuid": "2f4bb7c0-1b3c-4b7e-9b11-6d2d3bba4b5e", "arrived_on": "2025-01-06T16:33:01.123456Z", "exit_uuid": "0a5b1c2d-3e4f-4a6b-8c7d-9e0f1a2b3c4d"}],` +
			` "results": {"name": {"category": "All Responses", "category_localized": "All Responses", "created_on": "2025-01-06T16:33:01.123456Z", "input": "Ben", "name": "Name", "node_uuid": "2f4bb7c0-1b3c-4b7e-9b11-6d2d3bba4b5e", "value": "Ben"}},` +
			` "run": {"uuid": "0199c5c0-8f9b-76ea-a955-193ad8ed8606", "created_on": "2025-01-06T16:33:00.654321Z"},` +
			` "input": null, "channel": null}`,
		CreatedOn: exampleHookTime.Add(time.Hour + 2*time.Second)}, Slug: exampleResthook.Slug,
		Deliveries: []models.DeliveryListing{{ResthookDelivery: models.ResthookDelivery{TargetURL: exampleSubscription.TargetURL,
			Status: models.DeliveryDelivered, Attempts: 2, LastStatusCode: 200, LastAttemptOn: exampleHookTime.Add(time.Hour + 8*time.Second)}}}}
)

var resthooksListDocs = OperationDocs{Title: "List Resthooks",
	Params:  []Param{{Name: "reverse", Help: "Set to true to list the least recently modified first"}},
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertResthook, exampleResthook)}}

var resthookSubscribersListDocs = OperationDocs{Title: "List Resthook Subscribers",
	Params: []Param{
		{Name: "id", Help: "A subscriber id to filter by"},
		{Name: "resthook", Help: "A resthook slug to filter by"},
	},
	Example: Example{Query: "resthook=" + exampleResthook.Slug, Status: http.StatusOK, Answer: listAnswer(convertResthookSubscriber, exampleSubscription)}}

var resthookSubscribersWriteDocs = OperationDocs{Title: "Add Resthook Subscribers",
	Fields: []Param{
		{Name: "resthook", Required: true, Help: "The slug of the resthook to subscribe to"},
		{Name: "target_url", Required: true, Help: "The URL the resthook's payloads are posted to (http, https, ftp or ftps; at most 200 characters)"},
	},
	Example: Example{Body: map[string]any{"resthook": exampleResthook.Slug, "target_url": exampleSubscription.TargetURL},
		Status: http.StatusCreated, Answer: objectAnswer(convertResthookSubscriber, exampleSubscription)}}

var resthookSubscribersDeleteDocs = OperationDocs{Title: "Delete Resthook Subscribers",
	Params:  []Param{{Name: "id", Required: true, Help: "The id of the subscriber to delete"}},
	Example: Example{Query: fmt.Sprintf("id=%d", exampleSubscription.ID), Status: http.StatusNoContent}}

var resthookEventsListDocs = OperationDocs{Title: "List Resthook Events",
	Params:  []Param{{Name: "resthook", Help: "A resthook slug to filter by"}},
	Example: Example{Query: "resthook=" + exampleResthook.Slug, Status: http.StatusOK, Answer: listAnswer(convertResthookEvent, exampleResthookEvent)}}

// resthookOut is RapidPro's resthook.
type resthookOut struct {
	Resthook   string  `json:"resthook"`
	ModifiedOn apiTime `json:"modified_on"`
	CreatedOn  apiTime `json:"created_on"`
}

func convertResthook(_ *Ctx, r *models.Resthook) any {
	return resthookOut{Resthook: r.Slug, ModifiedOn: apiTime(r.ModifiedOn), CreatedOn: apiTime(r.CreatedOn)}
}

// resthookSubscriberOut is RapidPro's subscriber: its id is an integer, though RapidPro's docs show a string.
type resthookSubscriberOut struct {
	ID        int64   `json:"id"`
	Resthook  string  `json:"resthook"`
	TargetURL string  `json:"target_url"`
	CreatedOn apiTime `json:"created_on"`
}

func convertResthookSubscriber(_ *Ctx, s *models.SubscriberListing) any {
	return resthookSubscriberOut{ID: s.ID, Resthook: s.Slug, TargetURL: s.TargetURL, CreatedOn: apiTime(s.CreatedOn)}
}

// resthookEventOut is RapidPro's resthook event: the payload a flow gave the resthook, as the object it is, and
// (beyond RapidPro, which never retries) where its delivery to each subscriber stands.
type resthookEventOut struct {
	Resthook   string        `json:"resthook"`
	Data       *jsonObject   `json:"data"`
	CreatedOn  apiTime       `json:"created_on"`
	Deliveries []deliveryOut `json:"deliveries"`
}

// deliveryOut is one subscriber's delivery of an event: delivered, retrying (next_attempt_on says when),
// gone (the subscriber answered 410 and was removed) or failed (refused, or given up).
type deliveryOut struct {
	TargetURL      string   `json:"target_url"`
	Status         string   `json:"status"`
	Attempts       int      `json:"attempts"`
	LastStatusCode int      `json:"last_status_code"`
	LastAttemptOn  apiTime  `json:"last_attempt_on"`
	NextAttemptOn  *apiTime `json:"next_attempt_on"`
}

func convertResthookEvent(_ *Ctx, e *models.ResthookEventListing) any {
	out := resthookEventOut{Resthook: e.Slug, Data: storedObject(e.Data), CreatedOn: apiTime(e.CreatedOn), Deliveries: []deliveryOut{}}
	for _, d := range e.Deliveries {
		o := deliveryOut{TargetURL: d.TargetURL, Status: string(d.Status), Attempts: d.Attempts, LastStatusCode: d.LastStatusCode,
			LastAttemptOn: apiTime(d.LastAttemptOn)}
		if d.NextAttemptOn != nil {
			next := apiTime(*d.NextAttemptOn)
			o.NextAttemptOn = &next
		}
		out.Deliveries = append(out.Deliveries, o)
	}
	return out
}

// listResthooks answers a page of active resthooks, the most recently changed first (?reverse=true: last).
func listResthooks(c *Ctx) error {
	q := c.store().Resthooks(c.ws().ID)
	return respondPage(c, order{reversible: true}, q.Page, convertEach(func(r *models.Resthook) any { return convertResthook(c, r) }))
}

// listResthookSubscribers answers a page of active subscribers, the newest first.
func listResthookSubscribers(c *Ctx) error {
	q := c.store().ResthookSubscribers(c.ws().ID)
	id, err := intParam(c.query, "id")
	if err != nil {
		return err
	}
	if id != 0 {
		q = q.WithID(id)
	}
	if slug := c.query.Get("resthook"); slug != "" {
		q = q.OfResthook(slug)
	}
	return respondPage(c, order{}, q.Page, convertEach(func(s *models.SubscriberListing) any { return convertResthookSubscriber(c, s) }))
}

// listResthookEvents answers a page of resthook events, the newest first.
func listResthookEvents(c *Ctx) error {
	q := c.store().ResthookEvents(c.ws().ID)
	if slug := c.query.Get("resthook"); slug != "" {
		q = q.OfResthook(slug)
	}
	convert := convertEach(func(e *models.ResthookEventListing) any { return convertResthookEvent(c, e) })
	return respondPage(c, order{}, q.Page, func(rows []models.ResthookEventListing) ([]any, error) {
		if err := c.store().WithDeliveries(c.Request().Context(), c.ws().ID, rows); err != nil {
			return nil, err
		}
		return convert(rows)
	})
}

func noResthook(slug string) string { return "No resthook with slug: " + slug }

// postResthookSubscriber subscribes a URL to one of the workspace's active resthooks (201). As RapidPro's
// serializer does, it checks each field, then that the URL isn't subscribed already.
func postResthookSubscriber(c *Ctx) error {
	in, err := c.body()
	if err != nil {
		return err
	}
	ctx, store := c.Request().Context(), c.store()
	v := &validation{}
	slug, _, ok := in.char(v, "resthook", charField{required: true})
	if ok {
		_, err := store.ActiveResthook(ctx, c.ws().ID, *slug)
		switch {
		case models.IsNotFound(err):
			v.add("resthook", noResthook(*slug))
		case err != nil:
			return err
		}
	}
	targetURL, _, _ := in.char(v, "target_url", charField{required: true, maxLen: maxTargetURLLen,
		typeValidators: []func(string) []string{urlValidator}})
	if v.failed() {
		return errValidation(v)
	}

	sub, err := store.Subscribe(ctx, c.ws().ID, *slug, *targetURL)
	switch {
	case errors.Is(err, models.ErrSubscribed):
		return errNonField("URL is already subscribed to this event.")
	case models.IsNotFound(err): // the resthook went since it was checked
		v.add("resthook", noResthook(*slug))
		return errValidation(v)
	case err != nil:
		return err
	}
	return c.respond(http.StatusCreated, convertResthookSubscriber(c, sub))
}

// urlValidator is DRF's URLField check.
func urlValidator(s string) []string {
	if validURL(s) {
		return nil
	}
	return []string{"Enter a valid URL."}
}

// deleteResthookSubscriber soft-deletes the subscriber ?id= names (204); one of another workspace, or one
// already deleted, is not found.
func deleteResthookSubscriber(c *Ctx) error {
	id, err := requireIDLookup(c.query)
	if err != nil {
		return err
	}
	err = c.store().Unsubscribe(c.Request().Context(), c.ws().ID, id)
	if models.IsNotFound(err) {
		return errNotFound()
	}
	if err != nil {
		return err
	}
	return c.noContent()
}
