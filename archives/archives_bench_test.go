package archives_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/flowsd/flowsd/archives"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// copySQL is the baseline: PostgreSQL writing the same messages, with the same joins, in COPY's text format.
const copySQL = `COPY (SELECT m.id, m.uuid, m.broadcast_id, c.uuid, c.name, m.urn, ch.uuid, ch.name, f.uuid, f.name,
  m.direction, m.status, m.visibility, m.text, m.attachments, m.created_on, m.sent_on, m.modified_on
FROM msgs m
  JOIN contacts c ON c.id = m.contact_id
  LEFT JOIN channels ch ON ch.id = m.channel_id
  LEFT JOIN flows f ON f.id = m.flow_id
WHERE m.workspace_id = %d AND m.created_on >= '%s' AND m.created_on < '%s' AND m.visibility <> 'deleted'
ORDER BY m.created_on, m.id) TO STDOUT`

// BenchmarkArchiveMessages archives one day of FLOWSD_BENCH_ARCHIVE_MSGS messages (default 1,000,000) on
// PostgreSQL, against COPY (SELECT …) TO STDOUT of the same rows through gzip into a file, in the same run.
// Run it with go test ./archives -run x -bench ArchiveMessages -benchtime 1x.
func BenchmarkArchiveMessages(b *testing.B) {
	testdb.RequirePostgres(b)
	n := 1_000_000
	if s := os.Getenv("FLOWSD_BENCH_ARCHIVE_MSGS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("FLOWSD_BENCH_ARCHIVE_MSGS=%q", s)
		}
	}
	ctx := context.Background()
	db := testdb.New(b, models.Postgres, nil, nil)
	ws, _ := testdb.Workspace(b, db.Store, testdb.Nyaruka)
	day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

	seed := func(q string, args ...any) {
		if err := db.Raw.Exec(q, args...).Error; err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	seed(`INSERT INTO contacts (uuid, workspace_id, name, name_lower, status, is_active, created_on, modified_on)
		SELECT md5('c' || i)::uuid::text, ?, 'Contact ' || i, 'contact ' || i, 'active', TRUE, ?, ? FROM generate_series(1, 1000) i`, ws.ID, day, day)
	seed(`INSERT INTO msgs (uuid, workspace_id, contact_id, urn, direction, status, visibility, text, attachments, quick_replies, created_on, modified_on, sent_on)
		SELECT md5('m' || i)::uuid::text, ?, c.first + i % 1000, 'tel:+2507880' || lpad((i % 1000)::text, 5, '0'),
			CASE WHEN i % 2 = 0 THEN 'in' ELSE 'out' END, CASE WHEN i % 2 = 0 THEN 'handled' ELSE 'delivered' END, 'visible',
			'Message number ' || i || ': which colour do you like best, red, green or blue (reply with one).',
			CASE WHEN i % 10 = 0 THEN '["image/jpeg:https://example.com/media/' || i || '.jpg"]' ELSE '[]' END, '[]',
			?::timestamptz + (i * 86400000000 / ?) * interval '1 microsecond', ?::timestamptz + (i * 86400000000 / ?) * interval '1 microsecond',
			CASE WHEN i % 2 = 0 THEN NULL ELSE ?::timestamptz + (i * 86400000000 / ?) * interval '1 microsecond' END
		FROM generate_series(0, ? - 1) i, (SELECT MIN(id) AS first FROM contacts WHERE workspace_id = ?) c`,
		ws.ID, day, n, day, n, day, n, n, ws.ID)
	seed("ANALYZE msgs")
	seed("ANALYZE contacts")

	conn, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	dir := b.TempDir()
	builder := &archives.Builder{Store: db.Store, Dir: dir}
	baselineSQL := fmt.Sprintf(copySQL, ws.ID, day.Format(time.RFC3339), day.AddDate(0, 0, 1).Format(time.RFC3339))

	var copyTime, archiveTime time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		f, err := os.Create(filepath.Join(dir, "copy.gz"))
		if err != nil {
			b.Fatal(err)
		}
		buf := bufio.NewWriterSize(f, 256<<10)
		gz := gzip.NewWriter(buf)
		if _, err := conn.PgConn().CopyTo(ctx, gz, baselineSQL); err != nil {
			b.Fatal(err)
		}
		for _, step := range []func() error{gz.Close, buf.Flush, f.Sync, f.Close} {
			if err := step(); err != nil {
				b.Fatal(err)
			}
		}
		copyTime += time.Since(start)

		start = time.Now()
		built, err := builder.Build(ctx, ws, day)
		if err != nil {
			b.Fatal(err)
		}
		archiveTime += time.Since(start)

		b.StopTimer()
		if len(built) != 1 || built[0].RecordCount != int64(n) {
			b.Fatalf("built %d archives, the first of %d records, not one of every message", len(built), built[0].RecordCount)
		}
		b.ReportMetric(float64(built[0].Size)/float64(n), "gz_bytes/msg")
		seed("DELETE FROM archives")
		os.RemoveAll(filepath.Join(dir, strconv.FormatInt(ws.ID, 10)))
		b.StartTimer()
	}
	rows := float64(n * b.N)
	b.ReportMetric(rows/archiveTime.Seconds(), "archive_msgs/s")
	b.ReportMetric(rows/copyTime.Seconds(), "copy_msgs/s")
	b.ReportMetric(archiveTime.Seconds()/copyTime.Seconds(), "x_copy")
}
