package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

// Weni's channel_stats.json (rapidpro-apps): each active channel with its messages counted, in all, by day and
// by month. It pages with limit/offset and a count, as Weni's view has no cursor paginator. flowsd has no
// voice, so IVR counts are always 0 and the IVR series Weni adds for voice channels never appear.

var exampleChannelStats = channelStats{Channel: exampleChannel, now: time.Date(2025, 2, 10, 0, 0, 0, 0, time.UTC), days: []models.ChannelStatDay{
	{Day: "2025-01-06", Kind: models.StatMsgsIn, Count: 3}, {Day: "2025-01-06", Kind: models.StatMsgsOut, Count: 5},
	{Day: "2025-02-03", Kind: models.StatErrors, Count: 1},
}}

var channelStatsDocs = OperationDocs{Title: "List Channel Statistics",
	Params: []Param{
		{Name: "uuid", Help: "A channel UUID to filter by"},
		{Name: "limit", Help: "How many channels a page holds (default 250)"},
		{Name: "offset", Help: "How many channels to skip"},
	},
	Example: Example{Status: http.StatusOK, Answer: offsetAnswer(convertChannelStats, exampleChannelStats)}}

// channelStats is a channel with its counts, and the time its monthly totals run up to.
type channelStats struct {
	models.Channel
	days []models.ChannelStatDay
	now  time.Time
}

type channelStatsItemOut struct {
	UUID          string             `json:"uuid"`
	Name          string             `json:"name"`
	ChannelType   string             `json:"channel_type"`
	MsgCount      int64              `json:"msg_count"`
	IVRCount      int64              `json:"ivr_count"`
	ErrorCount    int64              `json:"error_count"`
	DailyCount    []dailySeriesOut   `json:"daily_count"`
	MonthlyTotals []monthlyTotalsOut `json:"monthly_totals"`
}

type dailySeriesOut struct {
	Name string        `json:"name"`
	Type string        `json:"type"`
	Data []dayCountOut `json:"data"`
}

type dayCountOut struct {
	Date  string `json:"date"`
	Count int64  `json:"count"`
}

type monthlyTotalsOut struct {
	MonthStart  apiTime `json:"month_start"`
	MsgsIn      int64   `json:"incoming_messages_count"`
	MsgsOut     int64   `json:"outgoing_messages_count"`
	IVRIn       int64   `json:"incoming_ivr_count"`
	IVROut      int64   `json:"outgoing_ivr_count"`
	ErrorsCount int64   `json:"error_count"`
}

func convertChannelStats(_ *Ctx, s *channelStats) any {
	ch := &s.Channel
	out := channelStatsItemOut{UUID: ch.UUID, Name: ch.Name, ChannelType: ch.ChannelType, DailyCount: []dailySeriesOut{
		{Name: "Incoming", Type: "msg", Data: []dayCountOut{}},
		{Name: "Outgoing", Type: "msg", Data: []dayCountOut{}},
		{Name: "Errors", Type: "error", Data: []dayCountOut{}},
	}}
	series := map[models.ChannelStatKind]*dailySeriesOut{models.StatMsgsIn: &out.DailyCount[0], models.StatMsgsOut: &out.DailyCount[1], models.StatErrors: &out.DailyCount[2]}

	// the months from the channel's first to now's, newest first
	var months []monthlyTotalsOut
	byMonth := map[string]*monthlyTotalsOut{}
	first := time.Date(ch.CreatedOn.Year(), ch.CreatedOn.Month(), 1, 0, 0, 0, 0, time.UTC)
	for m := first; m.Before(s.now); m = m.AddDate(0, 1, 0) {
		months = append([]monthlyTotalsOut{{MonthStart: apiTime(m)}}, months...)
	}
	for i := range months {
		byMonth[time.Time(months[i].MonthStart).Format("2006-01")] = &months[i]
	}

	for _, d := range s.days {
		series[d.Kind].Data = append(series[d.Kind].Data, dayCountOut{Date: d.Day, Count: d.Count})
		month := byMonth[d.Day[:7]]
		switch d.Kind {
		case models.StatMsgsIn:
			out.MsgCount += d.Count
			if month != nil {
				month.MsgsIn += d.Count
			}
		case models.StatMsgsOut:
			out.MsgCount += d.Count
			if month != nil {
				month.MsgsOut += d.Count
			}
		case models.StatErrors:
			out.ErrorCount += d.Count
			if month != nil {
				month.ErrorsCount += d.Count
			}
		}
	}
	out.MonthlyTotals = months
	if out.MonthlyTotals == nil {
		out.MonthlyTotals = []monthlyTotalsOut{}
	}
	return out
}

// listChannelStats answers a window of the workspace's active channels, newest first, with their counts.
func listChannelStats(c *Ctx) error {
	ctx := c.Request().Context()
	q, err := filterUUID(c, c.store().Channels(c.ws().ID))
	if err != nil {
		return err
	}
	w := readOffsetWindow(c)
	count, err := q.Count(ctx)
	if err != nil {
		return err
	}
	channels, err := q.Slice(ctx, w.limit, w.offset)
	if err != nil {
		return err
	}
	ids := make([]int64, len(channels))
	for i := range channels {
		ids[i] = channels[i].ID
	}
	days, err := c.store().ChannelStatDays(ctx, c.ws().ID, ids)
	if err != nil {
		return err
	}
	byChannel := map[int64][]models.ChannelStatDay{}
	for _, d := range days {
		byChannel[d.ChannelID] = append(byChannel[d.ChannelID], d)
	}
	now := c.store().Now().UTC()
	results := make([]any, len(channels))
	for i := range channels {
		results[i] = convertChannelStats(c, &channelStats{Channel: channels[i], days: byChannel[channels[i].ID], now: now})
	}
	return respondOffsetPage(c, w, count, results)
}
