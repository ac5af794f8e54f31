package flows

import (
	"context"

	"github.com/flowsd/flowsd/models"
)

// FireSchedules fires the schedules that have come due, a kind of background work found by the clock: each
// fire, in one transaction, makes a pending flow start (RapidPro's scheduled trigger: type trigger, everyone
// restarted, no exclusions, no params) or a broadcast from the schedule's template, and moves the schedule to
// its next occurrence after now (package schedules), or ends a one-off one; the start and broadcast workers,
// woken once it commits, do the rest. It fires until none is due, and says whether it fired any.
func FireSchedules(store *models.Store) func(ctx context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		fired := false
		for ctx.Err() == nil {
			did, err := store.FireDueSchedule(ctx)
			if err != nil || !did {
				return fired, err
			}
			fired = true
		}
		return fired, nil
	}
}
