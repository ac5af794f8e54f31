package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/schedules"
)

// repeats are the --repeat values and the periods they stand for.
var repeats = map[string]schedules.Period{"once": schedules.Once, "daily": schedules.Daily, "weekly": schedules.Weekly,
	"monthly": schedules.Monthly, "yearly": schedules.Yearly}

func repeatName(p schedules.Period) string {
	for name, q := range repeats {
		if q == p {
			return name
		}
	}
	return string(p)
}

type refOut struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

type broadcastTemplateOut struct {
	Text         map[string]string `json:"text"`
	BaseLanguage string            `json:"base_language"`
}

// scheduleOut is what the schedule commands print of a schedule.
type scheduleOut struct {
	UUID      string                `json:"uuid"`
	Repeat    string                `json:"repeat"`
	Days      *string               `json:"days"` // weekly schedules only
	NextFire  *string               `json:"next_fire"`
	LastFire  *string               `json:"last_fire"`
	Flow      *refOut               `json:"flow"`
	Broadcast *broadcastTemplateOut `json:"broadcast"`
	Groups    []refOut              `json:"groups"`
	Contacts  []refOut              `json:"contacts"`
	CreatedOn string                `json:"created_on"`
}

func outSchedule(l *models.ScheduleListing) scheduleOut {
	out := scheduleOut{UUID: l.UUID, Repeat: repeatName(l.RepeatPeriod), Groups: []refOut{}, Contacts: []refOut{}, CreatedOn: stamp(l.CreatedOn)}
	if l.RepeatPeriod == schedules.Weekly {
		out.Days = &l.DaysOfWeek
	}
	if l.NextFire != nil {
		s := stamp(*l.NextFire)
		out.NextFire = &s
	}
	if l.LastFire != nil {
		s := stamp(*l.LastFire)
		out.LastFire = &s
	}
	if l.Flow != nil {
		out.Flow = &refOut{UUID: l.Flow.UUID, Name: l.Flow.Name}
	}
	if l.Translations != nil {
		b := &broadcastTemplateOut{Text: map[string]string{}}
		var translations map[string]struct{ Text string }
		_ = json.Unmarshal([]byte(*l.Translations), &translations)
		for lang, t := range translations {
			b.Text[lang] = t.Text
		}
		if l.BaseLanguage != nil {
			b.BaseLanguage = *l.BaseLanguage
		}
		out.Broadcast = b
	}
	for _, g := range l.Groups {
		out.Groups = append(out.Groups, refOut{UUID: g.UUID, Name: g.Name})
	}
	for _, c := range l.Contacts {
		name := ""
		if c.Name != nil {
			name = *c.Name
		}
		out.Contacts = append(out.Contacts, refOut{UUID: c.UUID, Name: name})
	}
	return out
}

// scheduleCommand is flowsd schedule create|list|delete.
func scheduleCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "create":
			return createSchedule(args[1:], stdout, stderr)
		case "list":
			return listSchedules(args[1:], stdout, stderr)
		case "delete":
			return deleteSchedule(args[1:], stdout, stderr)
		}
	}
	return usageError{`unknown command: use "flowsd schedule create", "flowsd schedule list" or "flowsd schedule delete"`}
}

// startLayouts are the ISO 8601 forms --start takes without a zone (read in the workspace's local time).
var startLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"}

// parseStart reads --start: ISO 8601 with a zone (Z or ±hh:mm), or without one in tz.
func parseStart(s string, tz *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range startLayouts {
		if t, err := time.ParseInLocation(layout, s, tz); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--start %q is not an ISO 8601 date and time, e.g. 2026-05-01T09:00 (the workspace's local time) or 2026-05-01T09:00:00+02:00", s)
}

// splitUUIDs reads a comma-separated list of UUIDs.
func splitUUIDs(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.ToLower(strings.TrimSpace(part)); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// createSchedule makes a schedule that starts a flow (a scheduled trigger) or sends a message (a scheduled
// broadcast) to contacts and groups, from --start on, and prints it.
func createSchedule(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd schedule create", flag.ContinueOnError)
	config := runtime.Flags(fs, "db")
	workspace := fs.String("workspace", "", "UUID of the workspace (required)")
	flowUUID := fs.String("flow", "", "UUID of the flow each fire starts (or --text)")
	text := fs.String("text", "", "the message each fire broadcasts, in the workspace's default language (or --flow)")
	groups := fs.String("groups", "", "comma-separated UUIDs of the groups whose members each fire is for")
	contacts := fs.String("contacts", "", "comma-separated UUIDs of the contacts each fire is for")
	repeat := fs.String("repeat", "", "once, daily, weekly, monthly or yearly (required)")
	days := fs.String("days", "", "weekly only (and required): the days it fires on, letters of MTWRFSU (Monday … Sunday)")
	startAt := fs.String("start", "", "the first fire, ISO 8601: with a zone, or without one in the workspace's local time (required); its time of day is kept, and for monthly its day")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *workspace == "" {
		return usageError{"--workspace is required"}
	}
	period, ok := repeats[strings.ToLower(strings.TrimSpace(*repeat))]
	if !ok {
		return usageError{fmt.Sprintf("--repeat must be one of once, daily, weekly, monthly, yearly, not %q", *repeat)}
	}
	spec := models.ScheduleSpec{Period: period}
	switch {
	case period == schedules.Weekly:
		d, err := schedules.ParseDays(*days)
		if err != nil {
			return usageError{"--days: " + err.Error()}
		}
		spec.DaysOfWeek = d
	case *days != "":
		return usageError{"--days is only for --repeat weekly"}
	}
	*text = strings.TrimSpace(*text)
	switch {
	case *flowUUID != "" && *text != "":
		return usageError{"give --flow (a scheduled flow start) or --text (a scheduled broadcast), not both"}
	case *flowUUID == "" && *text == "":
		return usageError{"give --flow (a scheduled flow start) or --text (a scheduled broadcast)"}
	}
	groupUUIDs, contactUUIDs := splitUUIDs(*groups), splitUUIDs(*contacts)
	if len(groupUUIDs) == 0 && len(contactUUIDs) == 0 {
		if *flowUUID != "" {
			return usageError{"Must provide at least one group or contact to include."}
		}
		return usageError{"a broadcast needs recipients: give --groups or --contacts"}
	}
	if strings.TrimSpace(*startAt) == "" {
		return usageError{"--start is required"}
	}
	if _, err := parseStart(*startAt, time.UTC); err != nil {
		return usageError{err.Error()}
	}

	ctx := context.Background()
	a, ws, err := openIn(ctx, config, *workspace)
	if err != nil {
		return err
	}
	defer a.close()
	tz, err := time.LoadLocation(ws.Timezone)
	if err != nil {
		return err
	}
	if spec.Start, err = parseStart(*startAt, tz); err != nil {
		return usageError{err.Error()}
	}
	if *flowUUID != "" {
		f, err := a.store.GetFlow(ctx, ws.ID, strings.ToLower(strings.TrimSpace(*flowUUID)))
		if models.IsNotFound(err) {
			return usageError{fmt.Sprintf("--flow: the workspace has no flow with UUID %q", *flowUUID)}
		} else if err != nil {
			return err
		}
		spec.FlowID = &f.ID
	} else {
		spec.BaseLanguage = "und"
		if len(ws.Languages) > 0 {
			spec.BaseLanguage = ws.Languages[0]
		}
		translations, _ := json.Marshal(map[string]map[string]string{spec.BaseLanguage: {"text": *text}})
		spec.Translations = string(translations)
	}
	for _, uuid := range groupUUIDs {
		g, err := a.store.GetGroup(ctx, ws.ID, uuid)
		if models.IsNotFound(err) {
			return usageError{fmt.Sprintf("--groups: the workspace has no group with UUID %q", uuid)}
		} else if err != nil {
			return err
		}
		spec.GroupIDs = append(spec.GroupIDs, g.ID)
	}
	for _, uuid := range contactUUIDs {
		c, err := a.store.GetContact(ctx, ws.ID, uuid)
		if models.IsNotFound(err) {
			return usageError{fmt.Sprintf("--contacts: the workspace has no contact with UUID %q", uuid)}
		} else if err != nil {
			return err
		}
		spec.ContactIDs = append(spec.ContactIDs, c.ID)
	}
	sc, err := a.store.CreateSchedule(ctx, ws, spec)
	if err != nil {
		return err
	}
	listed, err := a.store.Schedules(ctx, ws.ID, sc.UUID)
	if err != nil || len(listed) != 1 {
		return fmt.Errorf("reading the new schedule back: %v", err)
	}
	return printJSON(stdout, outSchedule(listed[0]))
}

// listSchedules prints a workspace's schedules, oldest first, as a JSON array.
func listSchedules(args []string, stdout, stderr io.Writer) error {
	ctx := context.Background()
	a, ws, err := newWorkspaceCommand("flowsd schedule list").open(ctx, args, stderr, nil)
	if err != nil {
		return err
	}
	defer a.close()
	listed, err := a.store.Schedules(ctx, ws.ID, "")
	if err != nil {
		return err
	}
	out := make([]scheduleOut, len(listed))
	for i, l := range listed {
		out[i] = outSchedule(l)
	}
	return printJSON(stdout, out)
}

// deleteSchedule removes a workspace's schedule: it never fires again.
func deleteSchedule(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd schedule delete", flag.ContinueOnError)
	config := runtime.Flags(fs, "db")
	workspace := fs.String("workspace", "", "UUID of the workspace (required)")
	uuid := fs.String("uuid", "", "UUID of the schedule (required)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *workspace == "" || *uuid == "" {
		return usageError{"--workspace and --uuid are required"}
	}
	ctx := context.Background()
	a, ws, err := openIn(ctx, config, *workspace)
	if err != nil {
		return err
	}
	defer a.close()
	id := strings.ToLower(strings.TrimSpace(*uuid))
	if err := a.store.DeleteSchedule(ctx, ws.ID, id); models.IsNotFound(err) {
		return usageError{fmt.Sprintf("the workspace has no schedule with UUID %q", *uuid)}
	} else if err != nil {
		return err
	}
	return printJSON(stdout, map[string]any{"uuid": id, "deleted": true})
}
