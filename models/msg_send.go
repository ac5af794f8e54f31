package models

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/flowsd/flowsd/work"
	"gorm.io/gorm"
)

// Sending. A message is written queued, with its channel, in the transaction that makes it. Senders lease the
// due messages of a channel (work.Lease: the lease outlives the claiming transaction, so the gateway is called
// outside any), send them, and record each outcome in one write that also ends the lease. A sender that dies
// leaves its leases to run out: those messages are sent again, as courier's are, once no confirmation of them
// was recorded; a message recorded as taken by its gateway is never sent again.

// outboxStatuses are the statuses of outgoing messages a sender may take.
var outboxStatuses = []MsgStatus{MsgQueued, MsgErrored}

// replaces are the statuses a status a gateway reports may replace: statuses only move on, so a late sent
// after delivered is ignored, and a message delivered can't fail any more.
var replaces = map[MsgStatus][]MsgStatus{
	MsgWired:     {MsgQueued, MsgErrored},
	MsgSent:      {MsgQueued, MsgErrored, MsgWired},
	MsgDelivered: {MsgQueued, MsgErrored, MsgWired, MsgSent},
	MsgRead:      {MsgQueued, MsgErrored, MsgWired, MsgSent, MsgDelivered},
	MsgFailed:    {MsgQueued, MsgErrored, MsgWired, MsgSent},
}

func newLease(d Dialect) *work.Lease {
	return &work.Lease{Table: "msgs", Key: "id", Order: "high_priority DESC, id", Until: "claimed_until", SkipLocked: d == Postgres}
}

// ChannelsToSend are the channels with outgoing messages due to be sent at now (at most limit of them).
func (s *Store) ChannelsToSend(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	// channels are few and their queues long: one look into each channel's queue (the outbox index) is cheaper
	// than a DISTINCT over every queued message
	var ids []int64
	err := s.read(ctx).Table("channels AS ch").Where(`EXISTS (SELECT 1 FROM msgs m WHERE m.channel_id = ch.id AND m.status IN ?
		AND (m.next_attempt IS NULL OR m.next_attempt <= ?) AND (m.claimed_until IS NULL OR m.claimed_until <= ?))`, outboxStatuses, now, now).
		Order("ch.id").Limit(limit).Pluck("ch.id", &ids).Error
	return ids, err
}

// LeaseOutgoing leases up to n of a channel's messages due to be sent at now until until, replies to contacts
// first, then oldest first, and reads them in that order.
func (s *Store) LeaseOutgoing(ctx context.Context, channelID int64, now, until time.Time, n int) ([]*Msg, error) {
	var ids []int64
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		ids, err = s.lease.Claim(ctx, &tx.Reader, "channel_id = ? AND status IN ? AND (next_attempt IS NULL OR next_attempt <= ?)",
			[]any{channelID, outboxStatuses, now}, n, now, until)
		return err
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var msgs []*Msg
	return msgs, s.read(ctx).Where("id IN ?", ids).Order("high_priority DESC, id").Find(&msgs).Error
}

// ReleaseLeases ends the leases of messages a sender leased but won't send now (its channel's rate was spent):
// they are due again at once, for any sender.
func (s *Store) ReleaseLeases(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.Write(ctx, func(tx *Tx) error {
		return tx.db.Model(&Msg{}).Where("id IN ? AND claimed_until IS NOT NULL", ids).Update("claimed_until", nil).Error
	})
}

// SendOutcome is what became of one leased message's send.
type SendOutcome struct {
	MsgID      int64
	Status     MsgStatus // MsgWired, MsgErrored or MsgFailed
	Reason     string    // why it failed, for MsgFailed
	ExternalID string
	RetryAt    time.Time // for MsgErrored: when to try again; zero means it has had its tries and fails
	Log        *ChannelLog
}

// RecordSends writes what became of leased messages, in one transaction, ending their leases. A wired message
// counts as sent from now; an errored one waits for its next attempt, or fails once it has had its tries. A
// status a gateway reported meanwhile (delivered, say) is not undone.
func (s *Store) RecordSends(ctx context.Context, outcomes []SendOutcome) error {
	now := s.now()
	return s.Write(ctx, func(tx *Tx) error {
		var logs []*ChannelLog
		var ended int64 // messages whose outcome was written, their lease ended with it
		ids := make([]int64, 0, len(outcomes))
		var plainWired []int64            // wired with nothing of their own to write: one statement for all of them
		externalIDs := map[int64]string{} // wired with the gateway's id (every WhatsApp send): one statement too
		for _, o := range outcomes {
			ids = append(ids, o.MsgID)
			if o.Log != nil {
				logs = append(logs, o.Log)
			}
			updates := map[string]any{"claimed_until": nil, "modified_on": now}
			switch o.Status {
			case MsgWired:
				if o.ExternalID == "" {
					plainWired = append(plainWired, o.MsgID)
				} else {
					externalIDs[o.MsgID] = o.ExternalID
				}
				continue
			case MsgErrored:
				updates["error_count"] = gorm.Expr("error_count + 1")
				if o.RetryAt.IsZero() {
					updates["status"], updates["failed_reason"] = MsgFailed, FailedRetries
				} else {
					updates["status"], updates["next_attempt"] = MsgErrored, o.RetryAt
				}
			default:
				updates["status"], updates["failed_reason"] = MsgFailed, o.Reason
			}
			res := tx.db.Model(&Msg{}).Where("id = ? AND status IN ?", o.MsgID, outboxStatuses).Updates(updates)
			if res.Error != nil {
				return res.Error
			}
			ended += res.RowsAffected
		}
		if len(plainWired) > 0 {
			res := tx.db.Model(&Msg{}).Where("id IN ? AND status IN ?", plainWired, outboxStatuses).
				Updates(map[string]any{"status": MsgWired, "sent_on": now, "claimed_until": nil, "modified_on": now})
			if res.Error != nil {
				return res.Error
			}
			ended += res.RowsAffected
		}
		n, err := tx.wireWithExternalIDs(externalIDs, now)
		if err != nil {
			return err
		}
		// a status reported while the send was under way stays, but the lease ends all the same (when every
		// message was written above, every lease has ended already)
		if ended+n < int64(len(ids)) {
			if err := tx.db.Model(&Msg{}).Where("id IN ? AND claimed_until IS NOT NULL", ids).Update("claimed_until", nil).Error; err != nil {
				return err
			}
		}
		return insertAll(tx, logs)
	})
}

// wireWithExternalIDs marks sent messages wired with their gateway's ids, in one statement per few hundred
// (a CASE both databases read the same way) rather than one per message. It answers how many it marked.
func (tx *Tx) wireWithExternalIDs(externalIDs map[int64]string, now time.Time) (int64, error) {
	ids := make([]int64, 0, len(externalIDs))
	for id := range externalIDs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var marked int64
	for from := 0; from < len(ids); from += 300 {
		chunk := ids[from:min(from+300, len(ids))]
		var cases strings.Builder
		args := make([]any, 0, 2*len(chunk)+4)
		cases.WriteString("CASE id")
		for _, id := range chunk {
			cases.WriteString(" WHEN ? THEN ?")
			args = append(args, id, externalIDs[id])
		}
		cases.WriteString(" END")
		res := tx.db.Model(&Msg{}).Where("id IN ? AND status IN ?", chunk, outboxStatuses).
			Updates(map[string]any{"status": MsgWired, "sent_on": now, "claimed_until": nil, "modified_on": now,
				"external_id": gorm.Expr(cases.String(), args...)})
		if res.Error != nil {
			return marked, res.Error
		}
		marked += res.RowsAffected
	}
	return marked, nil
}

// SetMsgStatus records what a channel's gateway reported of a message it sent: ignored for a message of
// another channel, an incoming one, or when it would move the message back (a late sent after delivered). It
// answers whether it changed anything.
func (s *Store) SetMsgStatus(ctx context.Context, channelID int64, msgUUID, externalID string, status MsgStatus) (bool, error) {
	return s.RecordMsgStatus(ctx, channelID, msgUUID, externalID, status, "")
}

// RecordMsgStatus is SetMsgStatus with the failed reason the gateway gave (Meta's error code), for a failed
// status; "" leaves the reason as it is.
func (s *Store) RecordMsgStatus(ctx context.Context, channelID int64, msgUUID, externalID string, status MsgStatus, reason string) (bool, error) {
	lower, known := replaces[status]
	if !known {
		return false, nil
	}
	now := s.now()
	updates := map[string]any{"status": status, "modified_on": now}
	if status != MsgFailed {
		updates["sent_on"] = gorm.Expr("COALESCE(sent_on, ?)", now)
	} else if reason != "" {
		updates["failed_reason"] = reason
	}
	changed := false
	err := s.Write(ctx, func(tx *Tx) error {
		q := tx.db.Model(&Msg{}).Where("channel_id = ? AND direction = ? AND status IN ?", channelID, MsgOut, lower)
		if msgUUID != "" {
			q = q.Where("uuid = ?", msgUUID)
		} else {
			q = q.Where("external_id = ?", externalID)
		}
		res := q.Updates(updates)
		changed = res.RowsAffected > 0
		return res.Error
	})
	return changed, err
}

// DuplicateWindow is how long an incoming message counts as a repeat of the one before it, as courier's dedup
// keeps it (2 to 4 seconds) for messages without an id of their gateway's.
const DuplicateWindow = 3 * time.Second

// DuplicateIncoming is the message an incoming one repeats, nil when it repeats none, as courier finds it: the
// contact's last message on the channel from the URN, when it came in a moment ago with the same text and
// attachments and no message to them has been taken for sending since. Read under the contact's lock.
func (r *Reader) DuplicateIncoming(contactID, channelID int64, urn, text string, attachments []string, now time.Time) (*Msg, error) {
	var found []Msg
	err := r.db.Where("contact_id = ? AND channel_id = ? AND urn = ? AND direction = ?", contactID, channelID, urn, MsgIn).
		Order("id DESC").Limit(1).Find(&found).Error
	if err != nil || len(found) == 0 {
		return nil, err
	}
	m := &found[0]
	if m.CreatedOn.Before(now.Add(-DuplicateWindow)) || m.Text != text || !slices.Equal([]string(m.Attachments), attachments) {
		return nil, nil
	}
	// courier forgets the last message once one to the contact is taken for sending: one still queued doesn't count
	var sent int64
	err = r.db.Model(&Msg{}).Where("contact_id = ? AND channel_id = ? AND direction = ? AND id > ? AND status <> ?",
		contactID, channelID, MsgOut, m.ID, MsgQueued).Count(&sent).Error
	if err != nil || sent > 0 {
		return nil, err
	}
	return m, nil
}

// IncomingByExternalID is the message that came in on a channel with its gateway's id, nil when none did: a
// gateway that delivers a message again (Meta does, until answered) gets the first one back.
func (r *Reader) IncomingByExternalID(channelID int64, externalID string) (*Msg, error) {
	var found []Msg
	err := r.db.Where("channel_id = ? AND external_id = ? AND direction = ?", channelID, externalID, MsgIn).Order("id").Limit(1).Find(&found).Error
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return &found[0], nil
}

// LastIncomingOn is when a contact's last message on a channel from a URN came in (its sent_on), zero when
// none did.
func (r *Reader) LastIncomingOn(contactID, channelID int64, urn string) (time.Time, error) {
	var found []Msg
	err := r.db.Select("id", "sent_on", "created_on").Where("contact_id = ? AND channel_id = ? AND urn = ? AND direction = ?", contactID, channelID, urn, MsgIn).
		Order("id DESC").Limit(1).Find(&found).Error
	if err != nil || len(found) == 0 {
		return time.Time{}, err
	}
	if found[0].SentOn != nil {
		return *found[0].SentOn, nil
	}
	return found[0].CreatedOn, nil
}
