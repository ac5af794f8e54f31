package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
// channel's type, a contact's messages one after another in order, and records each outcome as soon as it is
// known. Errored sends are tried again on Retry's schedule (courier's: after 5, then 10 minutes; the third error
// fails the message). A message whose lease runs out unrecorded (its sender died) is sent again, once.
type Sender struct {
	Gateway     *Gateway
	Batch       int           // messages leased from one channel at a time
	Concurrency int           // sends under way at once
	Lease       time.Duration // how long a send may take before another sender takes the message
	Retry       work.Schedule

	once sync.Once
	rec  *work.Committer[models.SendOutcome]
}

// outcomes is the sender's one writer of outcomes, shared by its channels and workers: outcomes that end
// together are written in one transaction, and each send waits for its own (work.Committer).
func (s *Sender) outcomes() *work.Committer[models.SendOutcome] {
	s.once.Do(func() { s.rec = &work.Committer[models.SendOutcome]{Write: s.Gateway.store.RecordSends} })
	return s.rec
}

// WorkOnce sends a batch of each channel with messages due; it reports whether it sent any. A channel that
// can't be worked (the database failing for it) doesn't keep the others waiting: its error is reported once
// every other channel has had its turn.
func (s *Sender) WorkOnce(ctx context.Context) (bool, error) {
	g := s.Gateway
	now := g.store.Now().UTC()
	ids, err := g.store.ChannelsToSend(ctx, now, 100)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	worked := false
	var errs []error
	for _, id := range ids {
		did, err := s.sendChannel(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return worked, err
			}
			errs = append(errs, fmt.Errorf("sending through channel %d: %w", id, err))
		}
		worked = worked || did
	}
	return worked, errors.Join(errs...)
}

// sendChannel sends what its rate allows of one channel's due messages. The messages of a channel that was
// removed fail (channel_removed) without a send, as mailroom fails them when a channel is released.
func (s *Sender) sendChannel(ctx context.Context, channelID int64) (bool, error) {
	g := s.Gateway
	row, err := g.store.Reader(ctx).Channel(channelID)
	if err != nil {
		return false, err
	}
	// the lease starts now, not when the round started: earlier channels' sends may have taken a while
	now := g.store.Now().UTC()
	until := now.Add(s.Lease)
	if !row.IsActive {
		msgs, err := g.store.LeaseOutgoing(ctx, channelID, now, until, max(s.Batch, 1))
		if err != nil || len(msgs) == 0 {
			return false, err
		}
		outcomes := make([]models.SendOutcome, len(msgs))
		for i, m := range msgs {
			outcomes[i] = models.SendOutcome{MsgID: m.ID, Status: models.MsgFailed, Reason: models.FailedChannelRemoved}
		}
		return true, g.store.RecordSends(ctx, outcomes)
	}
	// a config that can't be read, or a type this process doesn't know, fails each send (channel_config)
	h := channels.Get(row.ChannelType)
	ch, cfgErr := g.channelOf(row)
	if cfgErr != nil {
		ch = &channels.Channel{UUID: row.UUID, Type: row.ChannelType, Name: row.Name, Address: row.Address, Country: row.CountryCode(),
			Schemes: row.Schemes, Config: channels.Config{}, Defaults: g.defaults(row.ChannelType)}
	}

	// the rate is spent on the messages sent: a first token says how many more the channel has now
	var limit *limiter
	n := max(s.Batch, 1)
	if cfgErr == nil {
		limit = s.limiter(ch)
		if n = limit.first(ctx, n); n == 0 {
			return false, nil
		}
	}
	msgs, err := g.store.LeaseOutgoing(ctx, channelID, now, until, n)
	if err != nil || len(msgs) == 0 {
		return false, err
	}
	if limit != nil {
		// another process may have spent some of what was left meanwhile: what has no token waits
		for i := 1; i < len(msgs); i++ {
			if !limit.take(ctx) {
				ids := make([]int64, 0, len(msgs)-i)
				for _, m := range msgs[i:] {
					ids = append(ids, m.ID)
				}
				if err := g.store.ReleaseLeases(ctx, ids); err != nil {
					return false, err
				}
				msgs = msgs[:i]
				break
			}
		}
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
	// no send starts once less than half the lease is left: a send that might outlast the lease could meet
	// another sender's send of the same message; what is left is let go at once, for the next round.
	// Each outcome is recorded as soon as it is known, so that a process that dies loses only the sends it had
	// in flight: those, and only those, go again once the lease has run out.
	startBy := until.Add(-s.Lease / 2)
	var (
		mu   sync.Mutex
		sent int
		left []int64 // leased, never started
		errs []error
		wg   sync.WaitGroup
	)
	slots := make(chan struct{}, max(s.Concurrency, 1))
	for _, contactID := range order {
		wg.Add(1)
		slots <- struct{}{}
		go func(queue []*models.Msg) {
			defer func() { <-slots; wg.Done() }()
			for i, m := range queue {
				if g.store.Now().After(startBy) || ctx.Err() != nil {
					// the contact's later messages wait too, so that they keep their order
					mu.Lock()
					for _, later := range queue[i:] {
						left = append(left, later.ID)
					}
					mu.Unlock()
					return
				}
				// a send started is finished and recorded even when the worker is being stopped: stopping
				// mid-send would have the gateway take a message nobody recorded, and send it again later
				done, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.Lease)
				o := s.send(done, h, row, ch, cfgErr, m)
				err := s.outcomes().Add(done, o)
				cancel()
				mu.Lock()
				sent++
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				if err != nil {
					return // unrecorded, it goes again after the lease: its followers wait for it
				}
			}
		}(byContact[contactID])
	}
	wg.Wait()
	if len(left) > 0 {
		if err := g.store.ReleaseLeases(context.WithoutCancel(ctx), left); err != nil {
			errs = append(errs, err) // they go when their lease runs out
		}
	}
	return sent > 0, errors.Join(errs...)
}

// limiter is a channel's rate: its tps config, else DefaultTPS, shared by every process through the runtime's
// limiter (Redis, when configured).
type limiter struct {
	s    *Sender
	ch   *channels.Channel
	rate throttle.Rate
	down bool // the limiter failed: sending goes on unlimited rather than stopping every message
}

func (s *Sender) limiter(ch *channels.Channel) *limiter {
	tps := ch.Config.Int("tps", DefaultTPS)
	if tps <= 0 {
		tps = DefaultTPS
	}
	return &limiter{s: s, ch: ch, rate: throttle.Rate{N: tps, Per: time.Second}}
}

// first takes a token and says how many messages may go now, at most n: 0 when none may.
func (l *limiter) first(ctx context.Context, n int) int {
	res, err := l.s.Gateway.rt.Throttle.Allow(ctx, "send_"+l.ch.UUID, l.rate)
	if err != nil {
		l.s.Gateway.log.Warn("channel rate check failed, sending", "channel", l.ch.UUID, "error", err)
		l.down = true
		return n
	}
	if !res.Allowed {
		return 0
	}
	return min(n, 1+res.Remaining)
}

// take takes a token for one more message.
func (l *limiter) take(ctx context.Context) bool {
	if l.down {
		return true
	}
	res, err := l.s.Gateway.rt.Throttle.Allow(ctx, "send_"+l.ch.UUID, l.rate)
	if err != nil {
		l.down = true
		return true
	}
	return res.Allowed
}

// send sends one message and says what became of it, with the log of the attempt.
func (s *Sender) send(ctx context.Context, h channels.Handler, row *models.Channel, ch *channels.Channel, cfgErr error, m *models.Msg) models.SendOutcome {
	g := s.Gateway
	o := models.SendOutcome{MsgID: m.ID}
	started := time.Now()
	var res *channels.SendResult
	tctx, traces := httpx.WithTraceCollector(ctx)
	tctx, denied := withDenials(tctx)
	if h == nil {
		res = channels.Failed(channels.ErrorChannelConfig, fmt.Sprintf("no channel type %q", row.ChannelType))
	} else if cfgErr != nil {
		res = channels.Failed(channels.ErrorChannelConfig, "The channel's config can't be read: "+cfgErr.Error())
	} else if out, err := outgoing(m); err != nil {
		res = channels.Failed(channels.ErrorChannelConfig, err.Error()) // a row no writer of ours makes
	} else if res = s.outsideWindow(ctx, h, row, ch, m, out); res == nil {
		res = h.Send(tctx, ch, out, g.http)
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
		if res.Reason != "" {
			o.Reason = res.Reason
		}
	}
	redact := stringsxNoop
	if h != nil {
		redact = redactor(h, ch)
	}
	msgID := m.ID
	logErrors := res.Errors
	if res.Status != channels.SendWired {
		// the type says its call failed; the deny list says why
		logErrors = append(slices.Clone(res.Errors), denied.sendErrors()...)
	}
	o.Log = &models.ChannelLog{UUID: g.store.NewUUID(), ChannelID: row.ID, MsgID: &msgID, LogType: models.LogMsgSend,
		HTTPLogs: httpLogs(traces.Traces(), redact), Errors: jsonList(logErrors), ElapsedMS: int(time.Since(started) / time.Millisecond),
		CreatedOn: g.store.Now().UTC()}
	if res.Status != channels.SendWired {
		g.log.Debug("a send didn't go through", "msg", m.UUID, "status", res.Status, "errors", logErrors)
	}
	return o
}

func stringsxNoop(s string) string { return s }

// outsideWindow fails a message at once, unsent, when its channel's type only sends free-form messages to
// contacts who wrote in lately (WhatsApp's 24 hours) and the contact's last message on the channel from the
// URN is older than that (or there is none): the gateway would only refuse it (Meta's error 131047). A template
// is what may be sent outside the window, so a templated message always goes. nil when the message may go.
func (s *Sender) outsideWindow(ctx context.Context, h channels.Handler, row *models.Channel, ch *channels.Channel, m *models.Msg, out *channels.Outgoing) *channels.SendResult {
	sw, ok := h.(channels.SessionWindowed)
	if !ok || m.URN == nil || out.Templating != nil {
		return nil
	}
	window := sw.SessionWindow(ch)
	if window <= 0 {
		return nil
	}
	last, err := s.Gateway.store.Reader(ctx).LastIncomingOn(m.ContactID, row.ID, *m.URN)
	if err != nil {
		return channels.Errored(channels.ErrorConnectionFailed, "The contact's last message couldn't be read: "+err.Error())
	}
	if !last.IsZero() && !last.Add(window).Before(s.Gateway.store.Now()) {
		return nil
	}
	res := channels.Failed(ErrorSessionWindow, fmt.Sprintf("The contact hasn't written in on this channel in the last %s: outside that window only templates may be sent.", formatWindow(window)))
	res.Reason = models.FailedSessionWindow
	return res
}

// ErrorSessionWindow is the channel log's error code of a message failed for the session window.
const ErrorSessionWindow = "session_window"

func formatWindow(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return d.String()
}

// outgoing is a message as channel types send it.
func outgoing(m *models.Msg) (*channels.Outgoing, error) {
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
	if m.Metadata != nil {
		extras := &channels.MsgExtras{}
		if json.Unmarshal([]byte(*m.Metadata), extras) == nil {
			o.Extras = extras // extras that don't read are left out: the message still goes, plainer
		}
	}
	t, err := models.ParseTemplating(m.Templating)
	if err != nil || t == nil {
		return o, err
	}
	o.Templating = &channels.Templating{TemplateUUID: t.Template.UUID, TemplateName: t.Template.Name, Language: t.Language,
		Namespace: t.Namespace, ExternalID: t.ExternalID}
	for _, c := range t.Components {
		o.Templating.Components = append(o.Templating.Components, channels.TemplatingComponent{Name: c.Name, Type: c.Type, Variables: c.Variables})
	}
	for _, v := range t.Variables {
		o.Templating.Variables = append(o.Templating.Variables, channels.TemplatingVariable{Type: v.Type, Value: v.Value})
	}
	return o, nil
}
