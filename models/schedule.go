package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flowsd/flowsd/schedules"
)

// Schedules fire flow starts and broadcasts at times of a workspace's local calendar: RapidPro's scheduled
// triggers (a flow started for some contacts and groups) and scheduled broadcasts (a message sent to them).
// The schedule row holds what each fire makes, the template RapidPro keeps in a trigger or a broadcast row
// of its own: a flow, or translations and a base language, and its contacts and groups. Each fire makes a
// pending flow start (type trigger, made by nobody, so the API's flow_starts hides it) or a broadcast, both
// worked by their own workers; the template itself is never a broadcast, so it is never listed nor sent.

// Schedule is when something repeats and what each time makes.
type Schedule struct {
	ID           int64 `gorm:"primaryKey"`
	UUID         string
	WorkspaceID  int64
	RepeatPeriod schedules.Period
	Hour         int
	Minute       int
	DaysOfWeek   string
	DayOfMonth   int
	NextFire     *time.Time // nil once a one-off schedule has fired
	LastFire     *time.Time
	IsPaused     bool
	IsActive     bool
	FlowID       *int64  // a scheduled flow start
	Translations *string // a scheduled broadcast: a JSON object by language
	BaseLanguage *string
	FireCount    int
	CreatedOn    time.Time
	ModifiedOn   time.Time
}

func (Schedule) TableName() string { return "schedules" }

// When is the schedule's repetition, for package schedules.
func (s *Schedule) When() schedules.Schedule {
	return schedules.Schedule{Period: s.RepeatPeriod, Hour: s.Hour, Minute: s.Minute, DaysOfWeek: s.DaysOfWeek, DayOfMonth: s.DayOfMonth}
}

type scheduleContact struct {
	ScheduleID int64
	ContactID  int64
}

func (scheduleContact) TableName() string { return "schedule_contacts" }

type scheduleGroup struct {
	ScheduleID int64
	GroupID    int64
}

func (scheduleGroup) TableName() string { return "schedule_groups" }

// ScheduleSpec is what a new schedule is made of: a flow to start or translations to broadcast, for contacts
// and groups, from start on.
type ScheduleSpec struct {
	Period       schedules.Period
	DaysOfWeek   string    // weekly: letters of MTWRFSU
	Start        time.Time // the first fire asked for; its local time of day (and day of month) is kept
	FlowID       *int64
	Translations string // a broadcast's, when FlowID is nil
	BaseLanguage string
	ContactIDs   []int64
	GroupIDs     []int64
}

// CreateSchedule makes an active schedule, with its contacts and groups, that first fires at its start, or
// for a repeating schedule whose start has passed, at its next occurrence after now (as RapidPro does).
func (s *Store) CreateSchedule(ctx context.Context, ws *Workspace, spec ScheduleSpec) (*Schedule, error) {
	tz, err := time.LoadLocation(ws.Timezone)
	if err != nil {
		return nil, fmt.Errorf("workspace time zone %q: %w", ws.Timezone, err)
	}
	if (spec.FlowID == nil) == (spec.Translations == "") {
		return nil, errors.New("a schedule starts a flow or sends a broadcast, one of them")
	}
	local := spec.Start.In(tz)
	when := schedules.Schedule{Period: spec.Period, Hour: local.Hour(), Minute: local.Minute()}
	switch spec.Period {
	case schedules.Once, schedules.Daily, schedules.Yearly:
	case schedules.Weekly:
		if when.DaysOfWeek, err = schedules.ParseDays(spec.DaysOfWeek); err != nil {
			return nil, err
		}
	case schedules.Monthly:
		when.DayOfMonth = local.Day()
	default:
		return nil, fmt.Errorf("%q is not a repeat period", spec.Period)
	}
	now := s.now()
	next := when.First(tz, spec.Start, now).UTC()
	sc := &Schedule{UUID: s.NewUUID(), WorkspaceID: ws.ID, RepeatPeriod: when.Period, Hour: when.Hour, Minute: when.Minute,
		DaysOfWeek: when.DaysOfWeek, DayOfMonth: when.DayOfMonth, NextFire: &next, IsActive: true, FlowID: spec.FlowID,
		CreatedOn: now, ModifiedOn: now}
	if spec.FlowID == nil {
		sc.Translations, sc.BaseLanguage = &spec.Translations, &spec.BaseLanguage
	}
	err = s.Write(ctx, func(tx *Tx) error {
		if err := tx.db.Create(sc).Error; err != nil {
			return err
		}
		var contacts []scheduleContact
		for _, id := range uniqueIDs(spec.ContactIDs) {
			contacts = append(contacts, scheduleContact{ScheduleID: sc.ID, ContactID: id})
		}
		var groups []scheduleGroup
		for _, id := range uniqueIDs(spec.GroupIDs) {
			groups = append(groups, scheduleGroup{ScheduleID: sc.ID, GroupID: id})
		}
		if len(contacts) > 0 {
			if err := tx.db.Create(&contacts).Error; err != nil {
				return err
			}
		}
		if len(groups) > 0 {
			return tx.db.Create(&groups).Error
		}
		return nil
	})
	return sc, err
}

// ScheduleListing is a schedule with its flow (nil for a broadcast), contacts and groups.
type ScheduleListing struct {
	Schedule
	Flow     *Ref
	Contacts []ContactRef
	Groups   []GroupRef
}

// Schedules lists a workspace's active schedules, oldest first (only the one with uuid, when given).
func (s *Store) Schedules(ctx context.Context, workspaceID int64, uuid string) ([]*ScheduleListing, error) {
	q := s.read(ctx).Where("workspace_id = ? AND is_active", workspaceID)
	if uuid != "" {
		q = q.Where("uuid = ?", uuid)
	}
	var rows []Schedule
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*ScheduleListing, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids, flowIDs := make([]int64, len(rows)), []int64{}
	byID := map[int64]*ScheduleListing{}
	for i := range rows {
		out[i] = &ScheduleListing{Schedule: rows[i]}
		ids[i] = rows[i].ID
		byID[rows[i].ID] = out[i]
		if rows[i].FlowID != nil {
			flowIDs = append(flowIDs, *rows[i].FlowID)
		}
	}
	flows, err := s.FlowNames(ctx, workspaceID, flowIDs)
	if err != nil {
		return nil, err
	}
	for _, l := range out {
		if l.FlowID != nil {
			ref := flows[*l.FlowID]
			l.Flow = &ref
		}
	}
	var contacts []struct {
		ScheduleID int64
		ContactRef
	}
	if err := s.read(ctx).Table("schedule_contacts AS l").Select("l.schedule_id, c.uuid, c.name").
		Joins("JOIN contacts c ON c.id = l.contact_id").Where("l.schedule_id IN ? AND c.workspace_id = ?", ids, workspaceID).
		Order("c.id").Scan(&contacts).Error; err != nil {
		return nil, err
	}
	for _, c := range contacts {
		byID[c.ScheduleID].Contacts = append(byID[c.ScheduleID].Contacts, c.ContactRef)
	}
	var groups []struct {
		ScheduleID int64
		GroupRef
	}
	if err := s.read(ctx).Table("schedule_groups AS l").Select("l.schedule_id, g.uuid, g.name").
		Joins("JOIN contact_groups g ON g.id = l.group_id").Where("l.schedule_id IN ? AND g.workspace_id = ?", ids, workspaceID).
		Order("g.id").Scan(&groups).Error; err != nil {
		return nil, err
	}
	for _, g := range groups {
		byID[g.ScheduleID].Groups = append(byID[g.ScheduleID].Groups, g.GroupRef)
	}
	return out, nil
}

// DeleteSchedule deactivates a workspace's schedule, and with it what it would have made: it never fires
// again. ErrNotFound when the workspace has no active schedule with uuid.
func (s *Store) DeleteSchedule(ctx context.Context, workspaceID int64, uuid string) error {
	return s.Write(ctx, func(tx *Tx) error {
		res := tx.db.Model(&Schedule{}).Where("workspace_id = ? AND uuid = ? AND is_active", workspaceID, uuid).
			Updates(map[string]any{"is_active": false, "next_fire": nil, "modified_on": tx.s.now()})
		if res.Error == nil && res.RowsAffected == 0 {
			return ErrNotFound
		}
		return res.Error
	})
}

// FireDueSchedule fires one schedule whose next fire has come, of any workspace, and says whether there was
// one. In one transaction it makes the fire's flow start or broadcast, and moves the schedule to its next
// fire, computed from now, so that occurrences missed while nothing ran collapse into this one fire; a
// one-off schedule is deactivated instead. The start or broadcast workers are woken once it commits. A crash
// before the commit leaves the schedule due, to fire after the restart; after it, the schedule is no longer
// due, so no fire is made twice. On PostgreSQL the due schedule is locked (SKIP LOCKED): several processes
// fire different schedules, never one twice.
func (s *Store) FireDueSchedule(ctx context.Context) (bool, error) {
	fired := false
	err := s.Write(ctx, func(tx *Tx) error {
		now := tx.s.now()
		lock := ""
		if s.Dialect == Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		var sc Schedule
		res := tx.db.Raw("SELECT * FROM schedules WHERE is_active AND NOT is_paused AND next_fire <= ? ORDER BY next_fire, id LIMIT 1"+lock, now).Scan(&sc)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		fired = true
		return tx.fireSchedule(&sc, now)
	})
	return fired, err
}

// fireSchedule makes what a due schedule makes and moves it on.
func (tx *Tx) fireSchedule(sc *Schedule, now time.Time) error {
	var tzName string
	if err := tx.db.Table("workspaces").Select("timezone").Where("id = ?", sc.WorkspaceID).Scan(&tzName).Error; err != nil {
		return err
	}
	tz, err := time.LoadLocation(tzName)
	if err != nil {
		tz = time.UTC
	}
	var contactIDs, groupIDs []int64
	if err := tx.db.Raw(`SELECT l.contact_id FROM schedule_contacts l JOIN contacts c ON c.id = l.contact_id
		WHERE l.schedule_id = ? AND c.workspace_id = ? AND c.is_active ORDER BY l.contact_id`, sc.ID, sc.WorkspaceID).Scan(&contactIDs).Error; err != nil {
		return err
	}
	if err := tx.db.Raw(`SELECT l.group_id FROM schedule_groups l JOIN contact_groups g ON g.id = l.group_id
		WHERE l.schedule_id = ? AND g.workspace_id = ? AND g.is_active ORDER BY l.group_id`, sc.ID, sc.WorkspaceID).Scan(&groupIDs).Error; err != nil {
		return err
	}

	if err := tx.makeFire(sc, contactIDs, groupIDs); err != nil {
		return err
	}

	updates := map[string]any{"last_fire": now, "fire_count": sc.FireCount + 1, "modified_on": now}
	last := now
	if sc.NextFire != nil {
		last = *sc.NextFire // a yearly schedule moves on from the date of the fire that came due
	}
	if next, ok := sc.When().Next(tz, last, now); ok {
		updates["next_fire"] = next.UTC()
	} else {
		updates["next_fire"], updates["is_active"] = nil, false // a one-off schedule is done, and its template with it
	}
	return tx.db.Model(&Schedule{}).Where("id = ?", sc.ID).Updates(updates).Error
}

// makeFire makes one fire's flow start or broadcast. A schedule whose flow is gone, or who has nobody left
// to start or send to, makes nothing but still moves on.
func (tx *Tx) makeFire(sc *Schedule, contactIDs, groupIDs []int64) error {
	if len(contactIDs) == 0 && len(groupIDs) == 0 {
		return nil
	}
	if sc.FlowID != nil {
		var active []bool
		if err := tx.db.Table("flows").Select("is_active").Where("id = ? AND workspace_id = ?", *sc.FlowID, sc.WorkspaceID).Scan(&active).Error; err != nil {
			return err
		}
		if len(active) == 0 || !active[0] {
			return nil
		}
		// as RapidPro's scheduled triggers: everyone restarted, contacts in other flows included, no params
		start := &FlowStart{WorkspaceID: sc.WorkspaceID, FlowID: *sc.FlowID, StartType: StartTypeTrigger, Status: StartPending,
			Params: "{}", RestartParticipants: true, ExcludeActive: false, ContactCount: -1}
		return tx.InsertFlowStart(start, contactIDs, groupIDs)
	}
	if sc.Translations == nil {
		return nil
	}
	base := ""
	if sc.BaseLanguage != nil {
		base = *sc.BaseLanguage
	}
	_, err := tx.InsertBroadcast(sc.WorkspaceID, BroadcastSpec{Translations: *sc.Translations, BaseLanguage: base,
		ContactIDs: contactIDs, GroupIDs: groupIDs})
	return err
}
