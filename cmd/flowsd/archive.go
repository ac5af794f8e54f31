package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/flowsd/flowsd/archives"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/work"
)

// archiveOut is what flowsd archive prints of an archive it built.
type archiveOut struct {
	UUID        string  `json:"uuid"`
	Type        string  `json:"type"`
	StartDate   string  `json:"start_date"`
	Period      string  `json:"period"`
	RecordCount int64   `json:"record_count"`
	Size        int64   `json:"size"`
	Hash        *string `json:"hash"`
	File        *string `json:"file"` // its path, nil for an empty archive
}

func outArchive(a *models.Archive, dir string) archiveOut {
	out := archiveOut{UUID: a.UUID, Type: string(a.ArchiveType), StartDate: a.StartDate.UTC().Format(time.DateOnly), Period: string(a.Period),
		RecordCount: a.RecordCount, Size: a.Size, Hash: a.Hash}
	if p, ok := a.FilePath(dir); ok {
		out.File = &p
	}
	return out
}

// archiveCommand is flowsd archive: a workspace's missing archives up to a day, printed as a JSON array.
func archiveCommand(args []string, stdout, stderr io.Writer) error {
	cmd := newWorkspaceCommand("flowsd archive", "archive-dir")
	through := cmd.fs.String("through", "", "the last UTC day to archive, YYYY-MM-DD (default: yesterday in the workspace's time zone)")
	del := cmd.fs.Bool("delete", false, "delete the archived messages and runs from the database once their files are written")
	var day time.Time
	ctx := context.Background()
	a, ws, err := cmd.open(ctx, args, stderr, func() error {
		if *through == "" {
			return nil
		}
		var err error
		if day, err = time.Parse(time.DateOnly, *through); err != nil {
			return usageError{fmt.Sprintf("--through must be a day as YYYY-MM-DD, not %q", *through)}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer a.close()
	now := a.rt.Now()
	if day.IsZero() {
		day = yesterdayIn(now, ws.Timezone)
	}
	if last := archives.Day(now).AddDate(0, 0, -1); day.After(last) {
		if *through != "" {
			return usageError{fmt.Sprintf("--through %s isn't over yet: the last UTC day that is over is %s", *through, last.Format(time.DateOnly))}
		}
		day = last // the workspace's yesterday may be today in UTC: only days that are over are archived
	}
	b := &archives.Builder{Store: a.store, Dir: a.rt.Config.ArchiveDir, Delete: *del, Log: a.rt.Log}
	built, err := b.Build(ctx, ws, day)
	out := make([]archiveOut, len(built))
	for i := range built {
		out[i] = outArchive(&built[i], b.Dir)
	}
	if printErr := printJSON(stdout, out); err == nil {
		err = printErr
	}
	return err
}

// yesterdayIn is the day before now's in a time zone, as a date at midnight UTC.
func yesterdayIn(now time.Time, timezone string) time.Time {
	if loc, err := time.LoadLocation(timezone); err == nil {
		now = now.In(loc)
	}
	y, m, d := now.Date()
	return time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC)
}

// archiveCron is the daily archive job: every workspace's days that ended --archive-after days ago or more,
// looked for every hour (a day already archived is passed by) by one process at a time.
func (a *app) archiveCron() *work.Cron {
	cfg := a.rt.Config
	b := &archives.Builder{Store: a.store, Dir: cfg.ArchiveDir, Delete: cfg.ArchiveDelete, Log: a.rt.Log}
	return &work.Cron{Name: "archives", Every: time.Hour, Leader: a.store.Leader(), Log: a.rt.Log, Job: func(ctx context.Context) error {
		through := archives.Day(a.rt.Now()).AddDate(0, 0, -cfg.ArchiveAfter-1)
		wss, err := a.store.ActiveWorkspaces(ctx)
		if err != nil {
			return err
		}
		for i := range wss {
			if _, err := b.Build(ctx, &wss[i], through); err != nil {
				return fmt.Errorf("archiving workspace %s: %w", wss[i].UUID, err)
			}
		}
		return nil
	}}
}
