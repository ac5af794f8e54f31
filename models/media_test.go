package models_test

import (
	"context"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestMediaIsScopedToItsWorkspace: a workspace finds its own media by UUID and no other's, however it asks.
func TestMediaIsScopedToItsWorkspace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		store := testdb.New(t, d, nil, nil).Store
		ours, _ := testdb.Workspace(t, store, testdb.Nyaruka)
		theirs, _ := testdb.Workspace(t, store, testdb.Trileet)
		const mine, other = "b97f69f7-5edf-45c7-9fda-d37066eae91d", "14f6ea01-456b-4417-b0b8-35e942f549f1"
		m, err := store.CreateMedia(ctx, ours.ID, models.MediaSpec{UUID: mine, ContentType: "image/jpeg", Filename: "a.jpg", Size: 3,
			Path: ours.UUID + "/" + mine + "/a.jpg"})
		must(t, err)
		_, err = store.CreateMedia(ctx, theirs.ID, models.MediaSpec{UUID: other, ContentType: "image/png", Filename: "b.png", Size: 4,
			Path: theirs.UUID + "/" + other + "/b.png"})
		must(t, err)
		if m.ID == 0 || m.CreatedOn.IsZero() {
			t.Errorf("created %+v", m)
		}

		if got, err := store.MediaByUUID(ctx, ours.ID, mine); err != nil || got.Filename != "a.jpg" || got.Size != 3 {
			t.Errorf("own media: %+v, %v", got, err)
		}
		if _, err := store.MediaByUUID(ctx, ours.ID, other); !models.IsNotFound(err) {
			t.Errorf("another workspace's media: %v, want not found", err)
		}

		got, err := store.FirstMediaOf(ctx, ours.ID, []string{ours.UUID, other, mine})
		if err != nil || got == nil || got.UUID != mine {
			t.Errorf("first of the workspace's UUIDs: %+v, %v", got, err)
		}
		if got, err := store.FirstMediaOf(ctx, ours.ID, []string{other}); err != nil || got != nil {
			t.Errorf("only another workspace's: %+v, %v", got, err)
		}
		if got, err := store.FirstMediaOf(ctx, ours.ID, nil); err != nil || got != nil {
			t.Errorf("no UUIDs: %+v, %v", got, err)
		}

		if got, err := store.PublishedMedia(ctx, ours.UUID, mine); err != nil || got.ID != m.ID {
			t.Errorf("published: %+v, %v", got, err)
		}
		if _, err := store.PublishedMedia(ctx, theirs.UUID, mine); !models.IsNotFound(err) {
			t.Errorf("published under another workspace: %v, want not found", err)
		}
	})
}
