package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

// TestRecordSendsEndsEveryLease: outcomes end their messages' leases with the status they write, and a message
// whose gateway reported a status while its send was under way keeps that status but has its lease ended too;
// the sends' logs are written however many there are (SQLite writes them in statements of a bounded size).
func TestRecordSendsEndsEveryLease(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		ctx := context.Background()
		db := testdb.New(t, d, nil, nil)
		store := db.Store
		ws, _ := testdb.Workspace(t, store, testdb.Nyaruka)
		ch, err := store.CreateChannel(ctx, ws.ID, models.ChannelSpec{Type: "EX", Name: "Gateway", Address: "+250788000001", Schemes: []string{"tel"}})
		must(t, err)
		c, err := store.CreateContact(ctx, ws, models.ContactSpec{})
		must(t, err)
		now := store.Now().UTC()
		until := now.Add(time.Minute)
		const n = 120
		var outcomes []models.SendOutcome
		for i := range n {
			m := &models.Msg{UUID: fmt.Sprintf("00000000-0000-4000-8000-%012d", 1000+i), WorkspaceID: ws.ID, ContactID: c.ID, ChannelID: &ch.ID,
				Direction: models.MsgOut, Status: models.MsgQueued, Visibility: models.MsgVisible, Text: "hi", QuickReplies: "[]",
				ClaimedUntil: &until, CreatedOn: now, ModifiedOn: now}
			must(t, db.Raw.Create(m).Error)
			o := models.SendOutcome{MsgID: m.ID, Status: models.MsgWired,
				Log: &models.ChannelLog{UUID: store.NewUUID(), ChannelID: ch.ID, MsgID: &m.ID, LogType: models.LogMsgSend, HTTPLogs: "[]", Errors: "[]", CreatedOn: now}}
			switch i % 4 {
			case 1:
				o.ExternalID = fmt.Sprintf("wamid.%d", i)
			case 2:
				o.Status, o.Reason = models.MsgFailed, models.FailedSend
			case 3:
				// delivered reported by the gateway while the send was under way
				must(t, db.Raw.Model(&models.Msg{}).Where("id = ?", m.ID).Update("status", models.MsgDelivered).Error)
			}
			outcomes = append(outcomes, o)
		}
		must(t, store.RecordSends(ctx, outcomes))

		var leased, logs int64
		must(t, db.Raw.Model(&models.Msg{}).Where("claimed_until IS NOT NULL").Count(&leased).Error)
		must(t, db.Raw.Model(&models.ChannelLog{}).Count(&logs).Error)
		if leased != 0 || logs != n {
			t.Fatalf("%d messages still leased, %d logs; want 0 and %d", leased, logs, n)
		}
		for status, want := range map[models.MsgStatus]int64{models.MsgWired: n / 2, models.MsgFailed: n / 4, models.MsgDelivered: n / 4} {
			var got int64
			must(t, db.Raw.Model(&models.Msg{}).Where("status = ?", status).Count(&got).Error)
			if got != want {
				t.Errorf("%d messages %s, want %d", got, status, want)
			}
		}
		var external int64
		must(t, db.Raw.Model(&models.Msg{}).Where("external_id LIKE 'wamid.%'").Count(&external).Error)
		if external != n/4 {
			t.Errorf("%d messages with their gateway's id, want %d", external, n/4)
		}

		// a group of only a message that moved on ends its lease too
		c2 := outcomes[3]
		must(t, db.Raw.Model(&models.Msg{}).Where("id = ?", c2.MsgID).Update("claimed_until", until).Error)
		c2.Log = nil
		must(t, store.RecordSends(ctx, []models.SendOutcome{c2}))
		var m models.Msg
		must(t, db.Raw.First(&m, c2.MsgID).Error)
		if m.ClaimedUntil != nil || m.Status != models.MsgDelivered {
			t.Fatalf("a delivered message's outcome left it %s, leased until %v", m.Status, m.ClaimedUntil)
		}
	})
}
