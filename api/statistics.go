package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleStatistics = models.ChannelDays{
	{Day: "2025-01-06", ChannelUUID: exampleChannel.UUID, ChannelType: exampleChannel.ChannelType, Direction: models.MsgIn, Count: 100},
	{Day: "2025-01-06", ChannelUUID: exampleChannel.UUID, ChannelType: exampleChannel.ChannelType, Direction: models.MsgOut, Count: 200},
}

var statisticsDocs = OperationDocs{Title: "View Statistics",
	Params: []Param{
		{Name: "since", Help: "The first day to count, e.g. 2025-01-01 (default: 90 days ago)"},
		{Name: "until", Help: "The day to count up to, not included, e.g. 2025-02-01 (default: tomorrow); at most 366 days after since"},
	},
	Example: Example{Query: "since=2025-01-06&until=2025-01-07", Status: http.StatusOK, Answer: objectAnswer(convertStatistics, exampleStatistics)}}

// maxStatisticsDays bounds the range of days counted.
const maxStatisticsDays = 366

type statisticsOut struct {
	Results []statisticsDayOut `json:"results"`
}

type statisticsDayOut struct {
	Date     string                     `json:"date"`
	Channels map[string]channelStatsOut `json:"channels"` // by channel UUID
}

// channelStatsOut is one channel's counts of a day; only counts that aren't zero are written (messages have
// no voice yet, so RapidPro's voice:in and voice:out never are).
type channelStatsOut struct {
	Type    string `json:"type"`
	TextIn  int64  `json:"text:in,omitempty"`
	TextOut int64  `json:"text:out,omitempty"`
}

// convertStatistics writes a workspace's counts, days ascending, as one object.
func convertStatistics(_ *Ctx, rows *models.ChannelDays) any {
	out := statisticsOut{Results: []statisticsDayOut{}}
	for _, r := range *rows {
		if n := len(out.Results); n == 0 || out.Results[n-1].Date != r.Day {
			out.Results = append(out.Results, statisticsDayOut{Date: r.Day, Channels: map[string]channelStatsOut{}})
		}
		day := &out.Results[len(out.Results)-1]
		stats := day.Channels[r.ChannelUUID]
		stats.Type = channelTypeSlug(r.ChannelType)
		if r.Direction == models.MsgIn {
			stats.TextIn += r.Count
		} else {
			stats.TextOut += r.Count
		}
		day.Channels[r.ChannelUUID] = stats
	}
	return out
}

// getStatistics answers the workspace's messages counted by day and channel, from ?since= (default 90 days
// ago) up to ?until= (not included; default tomorrow), as RapidPro's statistics endpoint does.
func getStatistics(c *Ctx) error {
	today := c.store().Now().UTC().Truncate(24 * time.Hour)
	since, err := dateParam(c, "since", today.AddDate(0, 0, -90))
	if err != nil {
		return err
	}
	until, err := dateParam(c, "until", today.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	if until.Sub(since) > maxStatisticsDays*24*time.Hour {
		return errQuery("Date range can't be more than 366 days.")
	}
	rows, err := c.store().ChannelDayCounts(c.Request().Context(), c.ws().ID, since, until)
	if err != nil {
		return err
	}
	return c.respond(http.StatusOK, convertStatistics(c, &rows))
}

// dateParam reads a date as Python's date.fromisoformat does (2025-01-31, or 20250131), def when absent.
func dateParam(c *Ctx, name string, def time.Time) (time.Time, error) {
	s := c.query.Get(name)
	if s == "" {
		return def, nil
	}
	for _, layout := range []string{time.DateOnly, "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errQuery("Invalid date value for '" + name + "'.")
}
