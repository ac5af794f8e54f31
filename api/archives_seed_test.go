package api_test

import (
	"fmt"
	"time"

	"github.com/flowsd/flowsd/models"
)

// The world of the archives truth file: Nyaruka's dailies and monthlies of both types (two December dailies
// rolled into December's monthly, which the listing leaves out; an empty day, which has no file), one of
// Trileet's and one of Weni's, each workspace's listing showing only its own. The signing key is fixed so that
// download URLs can be read.

func init() {
	truthSeeds["archives"] = func(e *env) { seedArchiveWorld(e) }
}

func (e *env) seedArchive(ws string, t models.ArchiveType, p models.ArchivePeriod, day time.Time, records int64, rollup *models.Archive) *models.Archive {
	e.t.Helper()
	a := &models.Archive{UUID: e.store.NewUUID(), WorkspaceID: e.ws[ws].ID, ArchiveType: t, Period: p, StartDate: day, RecordCount: records,
		BuildTime: 12, CreatedOn: day.AddDate(0, 1, 1)}
	if records > 0 {
		hash := fmt.Sprintf("%032x", records*7919+day.Unix())
		loc := fmt.Sprintf("file:%d/%s_%s_%s.jsonl.gz", a.WorkspaceID, t, day.Format("20060102"), hash)
		a.Hash, a.Location, a.Size, a.NeedsDeletion = &hash, &loc, records*37+20, true
	}
	if rollup != nil {
		a.RollupID = &rollup.ID
	}
	e.insert(a)
	return a
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func seedArchiveWorld(e *env) {
	e.must(e.db.Raw.Exec("INSERT INTO secrets (name, value, created_on) VALUES (?, ?, ?)", "archive_downloads", "truth-file-key", seedAt(9, 0)).Error)
	dec := e.seedArchive("nyaruka", models.ArchiveMessages, models.ArchiveMonthly, day(2024, 12, 1), 12, nil)
	e.seedArchive("nyaruka", models.ArchiveMessages, models.ArchiveDaily, day(2024, 12, 30), 5, dec)
	e.seedArchive("nyaruka", models.ArchiveMessages, models.ArchiveDaily, day(2024, 12, 31), 7, dec)
	e.seedArchive("nyaruka", models.ArchiveRuns, models.ArchiveMonthly, day(2024, 12, 1), 0, nil)
	e.seedArchive("nyaruka", models.ArchiveMessages, models.ArchiveDaily, day(2025, 1, 1), 3, nil)
	e.seedArchive("nyaruka", models.ArchiveRuns, models.ArchiveDaily, day(2025, 1, 1), 2, nil)
	e.seedArchive("nyaruka", models.ArchiveMessages, models.ArchiveDaily, day(2025, 1, 2), 0, nil)
	e.seedArchive("nyaruka", models.ArchiveRuns, models.ArchiveDaily, day(2025, 1, 2), 4, nil)
	e.seedArchive("trileet", models.ArchiveMessages, models.ArchiveDaily, day(2025, 1, 1), 9, nil)
	e.seedArchive("weni", models.ArchiveRuns, models.ArchiveDaily, day(2025, 1, 1), 1, nil)
}

// seedArchiveExample is the archive the docs' example finds.
func (e *env) seedArchiveExample() {
	e.seedArchive("nyaruka", models.ArchiveMessages, models.ArchiveDaily, day(2025, 1, 6), 1024, nil)
}
