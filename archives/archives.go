// Package archives builds RapidPro's archives of old messages and runs, as rp-archiver does but into a local
// directory: one gzipped JSON Lines file a UTC day per type, monthly rollups of a complete month's dailies, and,
// when asked, the deletion of what was archived. The rows and queries are models'; this package writes files.
package archives

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/flowsd/flowsd/models"
)

// Builder builds a workspace's archives into Dir.
type Builder struct {
	Store *models.Store
	Dir   string
	// Delete deletes the archived messages and runs from the database once their files are written, recorded
	// and read back.
	Delete bool
	Log    *slog.Logger // nil: slog.Default()
}

// Day is a UTC day as midnight.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Build makes the workspace's missing daily archives of every day up to and including through (a UTC day)
// from the earlier of its creation and its first record, then the monthly rollups of the complete months, and
// with Delete purges what they archived. It answers the archives it made, dailies then monthlies by type; a
// day or month archived before is passed by, so building twice makes nothing twice.
func (b *Builder) Build(ctx context.Context, ws *models.Workspace, through time.Time) ([]models.Archive, error) {
	through = Day(through)
	built := []models.Archive{}
	for _, t := range models.ArchiveTypes {
		made, err := b.buildType(ctx, ws, t, through)
		built = append(built, made...)
		if err != nil {
			return built, err
		}
	}
	if b.Delete {
		if err := b.purge(ctx, ws); err != nil {
			return built, err
		}
	}
	return built, nil
}

func (b *Builder) log() *slog.Logger {
	if b.Log != nil {
		return b.Log
	}
	return slog.Default()
}

func (b *Builder) buildType(ctx context.Context, ws *models.Workspace, t models.ArchiveType, through time.Time) ([]models.Archive, error) {
	existing, err := b.Store.WorkspaceArchives(ctx, ws.ID, t)
	if err != nil {
		return nil, err
	}
	start := Day(ws.CreatedOn)
	first, err := b.Store.FirstArchivable(ctx, ws.ID, t)
	if err != nil {
		return nil, err
	}
	if first != nil && first.Before(start) {
		start = Day(*first)
	}

	dailies, months := byDay(existing)

	var built []models.Archive
	lost := false
	for day := start; !day.After(through); day = day.AddDate(0, 0, 1) {
		if dailies[day] != nil || months[monthOf(day)] {
			continue
		}
		a, err := b.buildDaily(ctx, ws, t, day)
		if err != nil {
			return built, err
		}
		if a == nil {
			lost = true // another process recorded the day first
			continue
		}
		dailies[day] = a
		built = append(built, *a)
	}
	if lost {
		if existing, err = b.Store.WorkspaceArchives(ctx, ws.ID, t); err != nil {
			return built, err
		}
		dailies, months = byDay(existing)
	}

	// a month is rolled up once it is over: every day of it the workspace had is archived
	for month := monthOf(start); !month.AddDate(0, 1, -1).After(through); month = month.AddDate(0, 1, 0) {
		if months[month] {
			continue
		}
		var days []*models.Archive
		for day := month; day.Before(month.AddDate(0, 1, 0)); day = day.AddDate(0, 0, 1) {
			if day.Before(start) {
				continue
			}
			if dailies[day] == nil || dailies[day].RollupID != nil {
				return built, fmt.Errorf("rolling up %s archives of %s: the daily of %s is missing", t, month.Format("2006-01"), day.Format(time.DateOnly))
			}
			days = append(days, dailies[day])
		}
		a, err := b.rollup(ctx, ws, t, month, days)
		if err != nil {
			return built, err
		}
		if a != nil {
			built = append(built, *a)
		}
	}
	return built, nil
}

// byDay are archives' dailies by day, and the months that have their monthly.
func byDay(archives []models.Archive) (map[time.Time]*models.Archive, map[time.Time]bool) {
	dailies, months := map[time.Time]*models.Archive{}, map[time.Time]bool{}
	for i := range archives {
		a := &archives[i]
		if a.Period == models.ArchiveMonthly {
			months[a.StartDate.UTC()] = true
		} else {
			dailies[a.StartDate.UTC()] = a
		}
	}
	return dailies, months
}

func monthOf(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// buildDaily archives one day's records; nil when another process recorded the day first.
func (b *Builder) buildDaily(ctx context.Context, ws *models.Workspace, t models.ArchiveType, day time.Time) (*models.Archive, error) {
	started := time.Now()
	a := b.newArchive(ws, t, models.ArchiveDaily, day)
	f, err := b.writeFile(a, func(_ io.Writer, enc *json.Encoder) (int64, error) {
		var n int64
		if t == models.ArchiveMessages {
			err := b.Store.EachArchiveMsg(ctx, ws.ID, day, a.EndDate(), func(m *models.ArchiveMsg) error {
				n++
				return enc.Encode(newMsgRecord(m, ws.IsAnon))
			})
			return n, err
		}
		err := b.Store.EachArchiveRun(ctx, ws.ID, day, a.EndDate(), func(r *models.ArchiveRun) error {
			rec, err := newRunRecord(r)
			if err != nil {
				return err
			}
			n++
			return enc.Encode(rec)
		})
		return n, err
	})
	if err != nil {
		return nil, err
	}
	a.NeedsDeletion = a.RecordCount > 0
	return b.record(ctx, a, f, started, func() (bool, error) { return b.Store.RecordArchive(ctx, a) })
}

// rollup makes a month's archive of its dailies' files, each checked against its hash.
func (b *Builder) rollup(ctx context.Context, ws *models.Workspace, t models.ArchiveType, month time.Time, days []*models.Archive) (*models.Archive, error) {
	started := time.Now()
	a := b.newArchive(ws, t, models.ArchiveMonthly, month)
	var want int64
	for _, d := range days {
		want += d.RecordCount
	}
	f, err := b.writeFile(a, func(out io.Writer, _ *json.Encoder) (int64, error) {
		w := &lineCounter{}
		for _, d := range days {
			if d.RecordCount == 0 {
				continue
			}
			if err := b.readFile(d, func(r io.Reader) error {
				_, err := io.Copy(io.MultiWriter(out, w), r)
				return err
			}); err != nil {
				return 0, err
			}
		}
		if w.lines != want {
			return 0, fmt.Errorf("rolling up %s: the dailies hold %d records, not the %d they count", a.StartDate.Format("2006-01"), w.lines, want)
		}
		return w.lines, nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(days))
	for i, d := range days {
		ids[i] = d.ID
	}
	return b.record(ctx, a, f, started, func() (bool, error) { return b.Store.RecordRollup(ctx, a, ids) })
}

func (b *Builder) newArchive(ws *models.Workspace, t models.ArchiveType, p models.ArchivePeriod, start time.Time) *models.Archive {
	return &models.Archive{UUID: b.Store.NewUUID(), WorkspaceID: ws.ID, ArchiveType: t, Period: p, StartDate: start, CreatedOn: b.Store.Now().UTC().Truncate(time.Microsecond)}
}

// record writes the archive's row once its file is in place; a row another process wrote first wins, and the
// file made here goes unless it is the same file.
func (b *Builder) record(ctx context.Context, a *models.Archive, file string, started time.Time, insert func() (bool, error)) (*models.Archive, error) {
	a.BuildTime = time.Since(started).Milliseconds()
	ok, err := insert()
	if err != nil || !ok {
		if file != "" {
			if other, lookErr := b.Store.WorkspaceArchives(ctx, a.WorkspaceID, a.ArchiveType); lookErr != nil || !sameFile(other, file, b.Dir) {
				os.Remove(file)
			}
		}
		return nil, err
	}
	b.log().Info("archive built", "workspace", a.WorkspaceID, "type", a.ArchiveType, "period", a.Period,
		"start_date", a.StartDate.Format(time.DateOnly), "records", a.RecordCount, "size", a.Size, "ms", a.BuildTime)
	return a, nil
}

func sameFile(archives []models.Archive, file, dir string) bool {
	for i := range archives {
		if p, ok := archives[i].FilePath(dir); ok && p == file {
			return true
		}
	}
	return false
}

// hashingWriter counts and hashes the gzipped bytes on their way to the file.
type hashingWriter struct {
	w    io.Writer
	md5  hash.Hash
	size int64
}

func (h *hashingWriter) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	h.md5.Write(p[:n])
	h.size += int64(n)
	return n, err
}

type lineCounter struct{ lines int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' {
			c.lines++
		}
	}
	return len(p), nil
}

// writeFile streams the records fill writes through gzip into a temporary file in the workspace's directory,
// hashing as it goes, then syncs it and moves it to its name. It fills in the archive's count, size, hash and
// location, and answers the file's path: "" for an archive with no records, which has no file.
func (b *Builder) writeFile(a *models.Archive, fill func(out io.Writer, enc *json.Encoder) (int64, error)) (string, error) {
	dir := filepath.Join(b.Dir, fmt.Sprint(a.WorkspaceID))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, ".build-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	fileBuf := bufio.NewWriterSize(tmp, 256<<10)
	hw := &hashingWriter{w: fileBuf, md5: md5.New()}
	gz := gzip.NewWriter(hw) // no name, modification time 0: the same records make the same bytes
	// compression, the most work, runs beside reading the rows and writing their JSON
	records := newAsyncWriter(gz, 256<<10)
	enc := json.NewEncoder(records)
	enc.SetEscapeHTML(false)

	n, err := fill(records, enc)
	if closeErr := records.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return "", err
	}
	a.RecordCount = n
	if n == 0 {
		return "", nil
	}
	for _, step := range []func() error{gz.Close, fileBuf.Flush, tmp.Sync, tmp.Close} {
		if err := step(); err != nil {
			return "", err
		}
	}
	sum := hex.EncodeToString(hw.md5.Sum(nil))
	name := fmt.Sprintf("%s_%s_%s.jsonl.gz", a.ArchiveType, periodKey(a), sum)
	final := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", err
	}
	tmp = nil
	loc := models.ArchiveLocationPrefix + path.Join(fmt.Sprint(a.WorkspaceID), name)
	a.Size, a.Hash, a.Location = hw.size, &sum, &loc
	return final, nil
}

// periodKey is rp-archiver's key of an archive's stretch: D20250131 or M202501.
func periodKey(a *models.Archive) string {
	if a.Period == models.ArchiveMonthly {
		return "M" + a.StartDate.Format("200601")
	}
	return "D" + a.StartDate.Format("20060102")
}

// ErrCorrupt is an archive file that isn't what its row says: its size or MD5 differ.
var ErrCorrupt = errors.New("archive file doesn't match its hash")

// readFile hands fn the JSON Lines of an archive's file, then checks the file's size and MD5 against the
// archive's: an error wrapping ErrCorrupt when they differ, whatever fn did.
func (b *Builder) readFile(a *models.Archive, fn func(r io.Reader) error) error {
	p, ok := a.FilePath(b.Dir)
	if !ok || a.Hash == nil {
		return fmt.Errorf("archive %s has no file", a.UUID)
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	h := &hashingWriter{w: io.Discard, md5: md5.New()}
	raw := io.TeeReader(bufio.NewReaderSize(f, 256<<10), h)
	gz, err := gzip.NewReader(raw)
	if err != nil {
		return fmt.Errorf("archive %s: %w: %v", a.UUID, ErrCorrupt, err)
	}
	if err := fn(gz); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, raw); err != nil {
		return err
	}
	if sum := hex.EncodeToString(h.md5.Sum(nil)); sum != *a.Hash || h.size != a.Size {
		return fmt.Errorf("archive %s: %w (%d bytes, md5 %s)", a.UUID, ErrCorrupt, h.size, sum)
	}
	return nil
}

// purge deletes the records of the workspace's archives that still have them, each file read back first
// (its hash checked) for the ids it holds.
func (b *Builder) purge(ctx context.Context, ws *models.Workspace) error {
	todo, err := b.Store.ArchivesToPurge(ctx, ws.ID)
	if err != nil {
		return err
	}
	for i := range todo {
		a := &todo[i]
		ids := make([]int64, 0, a.RecordCount)
		err := b.readFile(a, func(r io.Reader) error {
			dec := json.NewDecoder(r)
			for {
				var rec struct {
					ID int64 `json:"id"`
				}
				if err := dec.Decode(&rec); err == io.EOF {
					return nil
				} else if err != nil {
					return fmt.Errorf("archive %s: %w: %v", a.UUID, ErrCorrupt, err)
				}
				ids = append(ids, rec.ID)
			}
		})
		if err != nil {
			return err
		}
		if int64(len(ids)) != a.RecordCount {
			return fmt.Errorf("archive %s: %w: %d records, not %d", a.UUID, ErrCorrupt, len(ids), a.RecordCount)
		}
		if err := b.Store.PurgeArchived(ctx, a, ids); err != nil {
			return err
		}
		b.log().Info("archived records deleted", "workspace", ws.ID, "type", a.ArchiveType, "start_date", a.StartDate.Format(time.DateOnly), "records", len(ids))
	}
	return nil
}

// asyncWriter hands what is written to w on a goroutine of its own, in chunks of size, a few chunks ahead:
// the writer fills one chunk while w takes the last. Close sends the rest and answers w's first error.
type asyncWriter struct {
	chunks, free chan []byte
	done         chan error
	cur          []byte
}

func newAsyncWriter(w io.Writer, size int) *asyncWriter {
	const ahead = 3
	a := &asyncWriter{chunks: make(chan []byte, ahead), free: make(chan []byte, ahead+1), done: make(chan error, 1)}
	for i := 0; i < ahead; i++ {
		a.free <- make([]byte, 0, size)
	}
	a.cur = make([]byte, 0, size)
	go func() {
		var err error
		for c := range a.chunks {
			if err == nil {
				_, err = w.Write(c)
			}
			a.free <- c[:0]
		}
		a.done <- err
	}()
	return a
}

func (a *asyncWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(a.cur) == cap(a.cur) {
			a.chunks <- a.cur
			a.cur = <-a.free
		}
		k := copy(a.cur[len(a.cur):cap(a.cur)], p)
		a.cur, p = a.cur[:len(a.cur)+k], p[k:]
	}
	return n, nil
}

func (a *asyncWriter) Close() error {
	if len(a.cur) > 0 {
		a.chunks <- a.cur
		a.cur = nil
	}
	close(a.chunks)
	return <-a.done
}
