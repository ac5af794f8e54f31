package api

import (
	"net/http"

	"github.com/flowsd/flowsd/models"
)

// Weni's analytics/contacts.json (rapidpro-apps): the workspace's contacts counted, by status and by the day
// they were made, one object rather than a page.

var exampleContactAnalytics = contactAnalytics{
	ContactStatusCounts: models.ContactStatusCounts{Total: 100, Active: 90, Blocked: 4, Stopped: 5, Archived: 1},
	days:                []models.ContactDayCount{{Day: "2025-01-06", Count: 60}, {Day: "2025-01-07", Count: 40}},
}

var contactAnalyticsDocs = OperationDocs{Title: "View Contact Analytics",
	Params: []Param{
		{Name: "group", Help: "A group name or UUID to count the members of"},
		{Name: "deleted", Help: "Set to true to count only deleted contacts"},
		{Name: "before", Help: "Only count contacts made before this date, e.g. 2025-01-28T18:00:00.000"},
		{Name: "after", Help: "Only count contacts made after this date, e.g. 2025-01-28T18:00:00.000"},
	},
	Example: Example{Status: http.StatusOK, Answer: objectAnswer(convertContactAnalytics, exampleContactAnalytics)}}

type contactAnalytics struct {
	models.ContactStatusCounts
	days []models.ContactDayCount
}

type contactAnalyticsOut struct {
	Total   int64 `json:"total"`
	Current struct {
		Actives  int64 `json:"actives"`
		Blocked  int64 `json:"blocked"`
		Stopped  int64 `json:"stopped"`
		Archived int64 `json:"archived"`
	} `json:"current"`
	ByDate map[string]int64 `json:"by_date"`
}

func convertContactAnalytics(_ *Ctx, a *contactAnalytics) any {
	out := contactAnalyticsOut{Total: a.Total, ByDate: map[string]int64{}}
	out.Current.Actives, out.Current.Blocked, out.Current.Stopped, out.Current.Archived = a.Active, a.Blocked, a.Stopped, a.Archived
	for _, d := range a.days {
		out.ByDate[d.Day] = d.Count
	}
	return out
}

// getContactAnalytics counts the contacts the filters keep: a group that doesn't exist keeps none, and an
// unparseable date keeps none, as RapidPro's before/after do.
func getContactAnalytics(c *Ctx) error {
	ctx := c.Request().Context()
	q := c.store().Contacts(c.ws().ID, queryBool(c.query, "deleted")).CreatedIn(timeRange(c.query))
	q, err := filterContactGroup(c, q)
	if err != nil {
		return err
	}
	counts, err := q.CountByStatus(ctx)
	if err != nil {
		return err
	}
	days, err := q.CountByCreationDay(ctx)
	if err != nil {
		return err
	}
	return c.respond(http.StatusOK, convertContactAnalytics(c, &contactAnalytics{ContactStatusCounts: *counts, days: days}))
}
