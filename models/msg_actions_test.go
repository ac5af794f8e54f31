package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestMsgActionsStayInTheirWorkspace: an action touches only its workspace's visible or archived incoming
// messages, whatever ids it is given; a deleted message loses its text, attachments and labels and is found no
// more, and another workspace's messages are never found.
func TestMsgActionsStayInTheirWorkspace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		db := testdb.New(t, d, nil, nil)
		store := db.Store
		ours, _ := testdb.Workspace(t, store, testdb.Nyaruka)
		theirs, _ := testdb.Workspace(t, store, testdb.Trileet)
		now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
		msg := func(ws *models.Workspace, uuid string, dir models.MsgDirection) *models.Msg {
			status := models.MsgHandled
			if dir == models.MsgOut {
				status = models.MsgQueued
			}
			c, err := store.CreateContact(ctx, ws, models.ContactSpec{})
			must(t, err)
			m := &models.Msg{UUID: uuid, WorkspaceID: ws.ID, ContactID: c.ID, Direction: dir, Status: status, Visibility: models.MsgVisible,
				Text: "hi", Attachments: models.StringList{"image/jpeg:https://example.com/a.jpg"}, QuickReplies: "[]", CreatedOn: now, ModifiedOn: now}
			must(t, db.Raw.Create(m).Error)
			return m
		}
		in := msg(ours, "00000000-0000-4000-8000-000000000901", models.MsgIn)
		out := msg(ours, "00000000-0000-4000-8000-000000000902", models.MsgOut)
		foreign := msg(theirs, "00000000-0000-4000-8000-000000000903", models.MsgIn)
		label, err := store.CreateLabel(ctx, ours.ID, "Important")
		must(t, err)
		all := []int64{in.ID, out.ID, foreign.ID}

		count := func(where string, args ...any) int64 {
			var n int64
			must(t, db.Raw.Table("msgs").Where(where, args...).Count(&n).Error)
			return n
		}
		must(t, store.ApplyMsgAction(ctx, ours.ID, models.MsgActionSpec{Action: models.MsgLabelAction, LabelID: label.ID, MsgIDs: all}))
		var labelled []int64
		must(t, db.Raw.Table("msg_labels").Pluck("msg_id", &labelled).Error)
		if len(labelled) != 1 || labelled[0] != in.ID {
			t.Fatalf("labelled %v, want only %d", labelled, in.ID)
		}
		counts, err := store.LabelCounts(ctx, ours.ID, []int64{label.ID})
		must(t, err)
		if counts[label.ID] != 1 {
			t.Fatalf("label counts %v", counts)
		}

		must(t, store.ApplyMsgAction(ctx, ours.ID, models.MsgActionSpec{Action: models.MsgArchiveAction, MsgIDs: all}))
		if n := count("visibility = ?", models.MsgArchived); n != 1 || count("id = ? AND visibility = ?", in.ID, models.MsgArchived) != 1 {
			t.Fatalf("%d archived", n)
		}
		if counts, _ := store.LabelCounts(ctx, ours.ID, []int64{label.ID}); counts[label.ID] != 0 {
			t.Fatalf("an archived message counts: %v", counts)
		}

		must(t, store.ApplyMsgAction(ctx, ours.ID, models.MsgActionSpec{Action: models.MsgDeleteAction, MsgIDs: all}))
		if count("visibility = ? AND text = '' AND attachments = '[]'", models.MsgDeleted) != 1 || count("id = ? AND visibility = ?", in.ID, models.MsgDeleted) != 1 {
			t.Fatal("the incoming message is not deleted, or others are")
		}
		must(t, db.Raw.Table("msg_labels").Pluck("msg_id", &labelled).Error)
		if len(labelled) != 0 {
			t.Fatalf("a deleted message keeps its labels: %v", labelled)
		}

		found, err := store.ActionableMsgs(ctx, ours.ID, all, []string{in.UUID, out.UUID, foreign.UUID})
		must(t, err)
		if len(found) != 1 || found[0].ID != out.ID {
			t.Fatalf("found %v, want only the outgoing message", found)
		}
	})
}
