package models

import (
	"context"
	"time"
)

// ChannelDayCount is how many messages one of a workspace's channels carried one way on one day (UTC).
type ChannelDayCount struct {
	Day         string // YYYY-MM-DD
	ChannelUUID string
	ChannelType string
	Direction   MsgDirection
	Count       int64
}

// ChannelDays are counts of messages by day, channel and direction.
type ChannelDays []ChannelDayCount

// ChannelDayCounts counts the messages of a workspace's active channels made from since until before until,
// by day (of when they were made, in UTC), channel and direction, days ascending. As RapidPro's channel
// counts, every message counts, whatever became of it since.
func (s *Store) ChannelDayCounts(ctx context.Context, workspaceID int64, since, until time.Time) (ChannelDays, error) {
	day := s.dayOf("m.created_on")
	var counts ChannelDays
	err := s.read(ctx).Table("msgs AS m").
		Select(day+" AS day, ch.uuid AS channel_uuid, ch.channel_type, m.direction, COUNT(*) AS count").
		Joins("JOIN channels ch ON ch.id = m.channel_id").
		Where("ch.workspace_id = ? AND ch.is_active AND m.created_on >= ? AND m.created_on < ?", workspaceID, since.UTC(), until.UTC()).
		Group("1, 2, 3, 4").Order("1, 2, 4").Scan(&counts).Error
	return counts, err
}
