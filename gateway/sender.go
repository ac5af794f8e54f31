package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/flowsd/flowsd/channels"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/throttle"
	"github.com/flowsd/flowsd/work"
	"github.com/nyaruka/gocommon/httpx"
	gurns "github.com/nyaruka/gocommon/urns"
)

// DefaultTPS is how many messages a second a channel sends when its config says nothing (courier's default).
const DefaultTPS = 10

// Sender sends queued messages, a kind of background work (models.WorkSends): it leases a channel's due
// messages (replies to contacts first), as many as the channel's rate allows now, sends them through the
// channel's type, a contact's messages one after another in order, and records each outcome. Errored sends are
// tried again on Retry's schedule (courier's: after 5, then 10 minutes; the third error fails the message).
type Sender struct {
	Gateway     *Gateway
	Batch       int           // messages leased from one channel at a time
	Concurrency int           // sends under way at once
	Lease       time.Duration // how long a send may take before another sender takes the message
	Retry       work.Schedule
}

// WorkOnce sends a batch of each channel with messages due; it reports whether it sent any.
func (s *Sender) WorkOnce(ctx context.Context) (bool, error) {
	g := s.Gateway
	now := g.store.Now().UTC()
	ids, err := g.store.ChannelsToSend(ctx, now, 100)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	worked := false
	for _, id := range ids {
		did, err := s.sendChannel(ctx, id, now)
		if err != nil {
			return worked, err
		}
		worked = worked || did
	}
	return worked, nil
}

// sendChannel sends what its rate allows of one channel's due messages.
func (s *Sender) sendChannel(ctx context.Context, channelID int64, now time.Time) (bool, error) {
	g := s.Gateway
	row, err := g.store.Reader(ctx).Channel(channelID)
	if err != nil {
		return false, err
	}
	ch, err := channelOf(row)
	if err != nil {
		return false, err
	}
	h := channels.Get(row.ChannelType)
	n := s.allowed(ctx, ch)
	if n == 0 {
		return false, nil
	}
	msgs, err := g.store.LeaseOutgoing(ctx, channelID, now, now.Add(s.Lease), n)
	if err != nil || len(msgs) == 0 {
		return false, err
	}

	// a contact's messages go one after another, in order; contacts go side by side
	var order []int64
	byContact := map[int64][]*models.Msg{}
	for _, m := range msgs {
		if byContact[m.ContactID] == nil {
			order = append(order, m.ContactID)
		}
		byContact[m.ContactID] = append(byContact[m.ContactID], m)
	}
	outcomes := make([]models.SendOutcome, 0, len(msgs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, max(s.Concurrency, 1))
	for _, contactID := range order {
		wg.Add(1)
		slots <- struct{}{}
		go func(queue []*models.Msg) {
			defer func() { <-slots; wg.Done() }()
			for _, m := range queue {
				o := s.send(ctx, h, row, ch, m)
				mu.Lock()
				outcomes = append(outcomes, o)
				mu.Unlock()
			}
		}(byContact[contactID])
	}
	wg.Wait()
	return true, g.store.RecordSends(ctx, outcomes)
}

// allowed is how many messages the channel's rate lets go now, at most a batch: its tps config, else
// DefaultTPS, shared by every process through the runtime's limiter (Redis, when configured).
func (s *Sender) allowed(ctx context.Context, ch *channels.Channel) int {
	tps := ch.Config.Int("tps", DefaultTPS)
	if tps <= 0 {
		tps = DefaultTPS
	}
	rate := throttle.Rate{N: tps, Per: time.Second}
	n := 0
	for n < s.Batch {
		res, err := s.Gateway.rt.Throttle.Allow(ctx, "send_"+ch.UUID, rate)
		if err != nil {
			// a limiter that is down must not stop every message
			s.Gateway.log.Warn("channel rate check failed, sending", "channel", ch.UUID, "error", err)
			return s.Batch
		}
		if !res.Allowed {
			break
		}
		n++
	}
	return n
}

// send sends one message and says what became of it, with the log of the attempt.
func (s *Sender) send(ctx context.Context, h channels.Handler, row *models.Channel, ch *channels.Channel, m *models.Msg) models.SendOutcome {
	g := s.Gateway
	o := models.SendOutcome{MsgID: m.ID}
	started := time.Now()
	var res *channels.SendResult
	tctx, traces := httpx.WithTraceCollector(ctx)
	if h == nil {
		res = channels.Failed(channels.ErrorChannelConfig, fmt.Sprintf("no channel type %q", row.ChannelType))
	} else {
		res = h.Send(tctx, ch, outgoing(m), g.http)
	}
	switch res.Status {
	case channels.SendWired:
		o.Status, o.ExternalID = models.MsgWired, res.ExternalID
	case channels.SendErrored:
		o.Status = models.MsgErrored
		first := m.CreatedOn
		if at, ok := s.Retry.Next(m.ErrorCount+1, first, g.store.Now().UTC(), res.RetryAfter, nil); ok {
			o.RetryAt = at
		}
	default:
		o.Status, o.Reason = models.MsgFailed, models.FailedSend
	}
	redact := stringsxNoop
	if h != nil {
		redact = redactor(h, ch)
	}
	msgID := m.ID
	o.Log = &models.ChannelLog{UUID: g.store.NewUUID(), ChannelID: row.ID, MsgID: &msgID, LogType: models.LogMsgSend,
		HTTPLogs: httpLogs(traces.Traces(), redact), Errors: jsonList(res.Errors), ElapsedMS: int(time.Since(started) / time.Millisecond),
		CreatedOn: g.store.Now().UTC()}
	if res.Status != channels.SendWired {
		g.log.Debug("a send didn't go through", "msg", m.UUID, "status", res.Status, "errors", res.Errors)
	}
	return o
}

func stringsxNoop(s string) string { return s }

// outgoing is a message as channel types send it.
func outgoing(m *models.Msg) *channels.Outgoing {
	o := &channels.Outgoing{ID: m.ID, UUID: m.UUID, Text: m.Text, Attachments: m.Attachments, HighPriority: m.HighPriority}
	if m.URN != nil {
		o.URN = gurns.URN(*m.URN)
	}
	if m.SessionStatus != nil {
		o.SessionStatus = *m.SessionStatus
	}
	var qrs []struct {
		Type  string `json:"type"`
		Text  string `json:"text"`
		Extra string `json:"extra"`
	}
	if json.Unmarshal([]byte(m.QuickReplies), &qrs) == nil {
		for _, q := range qrs {
			if q.Type == "" {
				q.Type = "text"
			}
			o.QuickReplies = append(o.QuickReplies, channels.QuickReply{Type: q.Type, Text: strings.TrimSpace(q.Text), Extra: q.Extra})
		}
	}
	return o
}
