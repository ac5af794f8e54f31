package archives_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/archives"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// seedMsg adds a message of a workspace's contact, created at t.
func seedMsg(t *testing.T, db *testdb.DB, ws *models.Workspace, uuid string, created time.Time) {
	t.Helper()
	var contact int64
	db.Raw.Raw("SELECT id FROM contacts WHERE workspace_id = ? ORDER BY id LIMIT 1", ws.ID).Row().Scan(&contact)
	if contact == 0 {
		if err := db.Raw.Exec("INSERT INTO contacts (uuid, workspace_id, name, name_lower, status, is_active, created_on, modified_on) VALUES (?, ?, 'Ann', 'ann', 'active', ?, ?, ?)",
			"c"+uuid[1:], ws.ID, true, created, created).Error; err != nil {
			t.Fatal(err)
		}
		db.Raw.Raw("SELECT id FROM contacts WHERE workspace_id = ?", ws.ID).Row().Scan(&contact)
	}
	if err := db.Raw.Exec(`INSERT INTO msgs (uuid, workspace_id, contact_id, urn, direction, status, visibility, text, attachments, quick_replies, created_on, modified_on)
		VALUES (?, ?, ?, 'tel:+250788000001', 'in', 'handled', 'visible', 'hi', '[]', '[]', ?, ?)`, uuid, ws.ID, contact, created, created).Error; err != nil {
		t.Fatal(err)
	}
}

func countMsgs(t *testing.T, db *testdb.DB, ws *models.Workspace) int64 {
	var n int64
	if err := db.Raw.Raw("SELECT COUNT(*) FROM msgs WHERE workspace_id = ?", ws.ID).Row().Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeleteOnlyWhatTheFileHolds: deleting archived messages refuses, and deletes nothing, when the database has
// more of the day's messages than the archive holds or the file isn't what its hash says; once both are right it
// deletes them. An anonymous workspace's records have no URN.
func TestDeleteOnlyWhatTheFileHolds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		db := testdb.New(t, d, nil, nil)
		ws, _ := testdb.Workspace(t, db.Store, testdb.Nyaruka)
		day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		seedMsg(t, db, ws, "a0000000-0000-4000-8000-000000000001", day.Add(time.Hour))
		seedMsg(t, db, ws, "a0000000-0000-4000-8000-000000000002", day.Add(2*time.Hour))

		dir := t.TempDir()
		built, err := (&archives.Builder{Store: db.Store, Dir: dir}).Build(ctx, ws, day)
		if err != nil || len(built) != 1 || built[0].RecordCount != 2 {
			t.Fatalf("built %v: %v", built, err)
		}
		deleter := &archives.Builder{Store: db.Store, Dir: dir, Delete: true}

		// a message of the day arrived after the archive was made
		seedMsg(t, db, ws, "a0000000-0000-4000-8000-000000000003", day.Add(3*time.Hour))
		if _, err := deleter.Build(ctx, ws, day); err == nil || !strings.Contains(err.Error(), "more than the 2 archived") {
			t.Errorf("deleting with a message the archive lacks: %v", err)
		}
		if n := countMsgs(t, db, ws); n != 3 {
			t.Errorf("%d messages left, want all 3", n)
		}
		if err := db.Raw.Exec("DELETE FROM msgs WHERE uuid = ?", "a0000000-0000-4000-8000-000000000003").Error; err != nil {
			t.Fatal(err)
		}

		// the file changed since
		path, _ := built[0].FilePath(dir)
		good, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		bad := append([]byte(nil), good...)
		bad[len(bad)-9] ^= 1 // the gzip trailer's CRC: still a file, not the one hashed
		os.WriteFile(path, bad, 0o644)
		if _, err := deleter.Build(ctx, ws, day); !errors.Is(err, archives.ErrCorrupt) {
			t.Errorf("deleting with a changed file: %v", err)
		}
		if n := countMsgs(t, db, ws); n != 2 {
			t.Errorf("%d messages left, want both", n)
		}

		os.WriteFile(path, good, 0o644)
		if _, err := deleter.Build(ctx, ws, day); err != nil {
			t.Fatal(err)
		}
		if n := countMsgs(t, db, ws); n != 0 {
			t.Errorf("%d messages left after deleting", n)
		}
		if got, err := db.Store.ArchivesToPurge(ctx, ws.ID); err != nil || len(got) != 0 {
			t.Errorf("archives still to delete: %v %v", got, err)
		}

		anon, _ := testdb.Workspace(t, db.Store, testdb.Anon)
		seedMsg(t, db, anon, "a0000000-0000-4000-8000-000000000004", day.Add(time.Hour))
		built, err = (&archives.Builder{Store: db.Store, Dir: dir}).Build(ctx, anon, day)
		if err != nil || len(built) != 1 {
			t.Fatalf("anon: %v %v", built, err)
		}
		path, _ = built[0].FilePath(dir)
		raw, _ := os.ReadFile(path)
		gz, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		line, _ := io.ReadAll(gz)
		if !bytes.Contains(line, []byte(`"urn":null`)) {
			t.Errorf("an anonymous workspace's record: %s", line)
		}
	})
}
