package models

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
)

// Queue is one queue of background work in the database, across workspaces: how many items wait, and since
// when the oldest has (nil when none does). The operator's view of a server: /metrics and flowsd status.
type Queue struct {
	Name   string
	Depth  int64
	Oldest *time.Time
}

// queues are the tables of each queue, what waits in them, and the time from which its items could be done.
// Those that come due by the clock count only what is due (their where takes the time now).
var queues = []struct {
	name, table, where, since string
	due                       bool
}{
	{"flow_starts", "flow_starts", "status IN ('pending', 'queued', 'started')", "created_on", false},
	{"broadcasts", "broadcasts", "status IN ('pending', 'queued')", "created_on", false},
	{"messages", "msgs", "status = 'queued'", "created_on", false},
	{"message_retries", "msgs", "status = 'errored'", "next_attempt", false},
	{"resthook_retries", "resthook_deliveries", "status = 'retrying' AND next_attempt_on <= ?", "next_attempt_on", true},
	{"campaign_fires", "campaign_fires", "fire_on <= ?", "fire_on", true},
}

// Queues reads the queues of work: flow starts not yet done, broadcasts not yet sent, messages waiting to be
// sent and errored ones waiting to be sent again, resthook deliveries due for a retry, campaign fires due.
func (s *Store) Queues(ctx context.Context) ([]Queue, error) {
	now := s.now()
	out := make([]Queue, 0, len(queues))
	for _, q := range queues {
		queue := Queue{Name: q.name}
		var args []any
		if q.due {
			args = append(args, now)
		}
		where := func() *gorm.DB { return s.read(ctx).Table(q.table).Where(q.where, args...) }
		if err := where().Count(&queue.Depth).Error; err != nil {
			return nil, err
		}
		if queue.Depth > 0 {
			var oldest []time.Time
			if err := where().Order(q.since).Limit(1).Pluck(q.since, &oldest).Error; err != nil {
				return nil, err
			}
			if len(oldest) > 0 {
				t := oldest[0].UTC()
				queue.Oldest = &t
			}
		}
		out = append(out, queue)
	}
	return out, nil
}

// SQLDB is the store's pool, for its statistics (metrics); queries go through the store.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }
