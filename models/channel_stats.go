package models

import "context"

// ChannelStatKind is what a channel's daily count counts.
type ChannelStatKind string

// What Weni's channel_stats counts: messages in, messages out, and error logs. flowsd has no voice, so there
// are no IVR counts.
const (
	StatMsgsIn  ChannelStatKind = "in"
	StatMsgsOut ChannelStatKind = "out"
	StatErrors  ChannelStatKind = "error"
)

// ChannelStatDay is one count of one channel on one day (UTC).
type ChannelStatDay struct {
	ChannelID int64
	Day       string // YYYY-MM-DD
	Kind      ChannelStatKind
	Count     int64
}

// ChannelStatDays counts, for each of a workspace's channels, the messages it carried each way and the
// error logs it wrote, by day (of when they were made), days ascending. As RapidPro's channel counts, every
// message counts, whatever became of it since.
func (s *Store) ChannelStatDays(ctx context.Context, workspaceID int64, channelIDs []int64) ([]ChannelStatDay, error) {
	if len(channelIDs) == 0 {
		return nil, nil
	}
	var msgs, errs []ChannelStatDay
	err := s.read(ctx).Table("msgs AS m").
		Select(s.dayOf("m.created_on")+" AS day, m.channel_id, CASE WHEN m.direction = '"+string(MsgIn)+"' THEN '"+string(StatMsgsIn)+"' ELSE '"+string(StatMsgsOut)+"' END AS kind, COUNT(*) AS count").
		Where("m.workspace_id = ? AND m.channel_id IN ?", workspaceID, channelIDs).
		Group("1, 2, 3").Order("1, 2, 3").Scan(&msgs).Error
	if err != nil {
		return nil, err
	}
	err = s.read(ctx).Table("channel_logs AS l").
		Select(s.dayOf("l.created_on")+" AS day, l.channel_id, '"+string(StatErrors)+"' AS kind, COUNT(*) AS count").
		Where("l.channel_id IN ? AND l.errors <> '[]'", channelIDs).
		Group("1, 2").Order("1, 2").Scan(&errs).Error
	return append(msgs, errs...), err
}

// dayOf is the SQL for the UTC day (YYYY-MM-DD) of a time column.
func (s *Store) dayOf(column string) string {
	if s.Dialect == Postgres {
		return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "strftime('%Y-%m-%d', " + column + ")"
}
