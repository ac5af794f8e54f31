package flows

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/netguard"
	"github.com/flowsd/flowsd/work"
	"github.com/nyaruka/gocommon/httpx"
)

// ResthookRetries retry failed resthook deliveries, a kind of background work: beyond RapidPro, which never
// retries. A flow's call_resthook makes the first attempt itself, inside its sprint; a delivery that failed in
// a way that may pass is left retrying, and these workers lease the due ones (several processes never hold
// the same one), post the stored payload again with the same Idempotency-Key, and record each outcome as
// soon as it is known (outcomes that end together in one write that ends their leases). A worker killed
// mid-call leaves the leases of the calls it had under way to run out, and those attempts, at most
// Concurrency, are made again: the key lets the subscriber see it has had them.
type ResthookRetries struct {
	Host        *Host
	Batch       int           // deliveries leased at once (default 100)
	Concurrency int           // calls made at once (default 16)
	Lease       time.Duration // how long a leased delivery is held (default: the client's timeout and a minute)

	once sync.Once
	rec  *work.Committer[models.DeliveryOutcome]
}

// outcomes is the workers' one writer of outcomes.
func (w *ResthookRetries) outcomes() *work.Committer[models.DeliveryOutcome] {
	w.once.Do(func() { w.rec = &work.Committer[models.DeliveryOutcome]{Write: w.Host.Store.RecordDeliveries} })
	return w.rec
}

// WorkOnce retries the deliveries due now, if any.
func (w *ResthookRetries) WorkOnce(ctx context.Context) (bool, error) {
	h := w.Host
	now := h.Store.Now().UTC()
	due, err := h.Store.LeaseDueDeliveries(ctx, now, now.Add(w.lease()), orInt(w.Batch, 100))
	if err != nil || len(due) == 0 {
		return false, err
	}
	sem := make(chan struct{}, orInt(w.Concurrency, 16))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, d := range due {
		if ctx.Err() != nil {
			break // stopping: what wasn't started waits for its lease to run out, and is attempted then
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			// an attempt started is finished and recorded even when the worker is being stopped, so that it
			// isn't made again
			done, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.lease())
			defer cancel()
			if err := w.outcomes().Add(done, w.attempt(done, d)); err != nil {
				mu.Lock()
				errs = append(errs, err) // unrecorded: attempted again once its lease runs out
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return true, errors.Join(errs...)
}

func (w *ResthookRetries) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return w.Host.HTTP.Timeout + time.Minute
}

// attempt posts one delivery's payload again, as the flow posted it.
func (w *ResthookRetries) attempt(ctx context.Context, d *models.DueDelivery) models.DeliveryOutcome {
	h := w.Host
	if !d.SubscriberActive {
		return models.DeliveryOutcome{Delivery: d, Status: models.DeliveryFailed, Error: "the subscriber was removed"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.TargetURL, bytes.NewReader([]byte(d.Payload)))
	if err != nil {
		return models.DeliveryOutcome{Delivery: d, Status: models.DeliveryFailed, Error: "the subscriber's URL is invalid: " + err.Error()}
	}
	for k, v := range callHeaders(h.UserAgent) {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", d.IdempotencyKey)

	tctx, traces := httpx.WithTraceCollector(ctx)
	start := h.Store.Now().UTC()
	resp, err := h.retryClient.Do(req.WithContext(tctx))
	code := 0
	if resp != nil {
		_, _ = io.Copy(io.Discard, resp.Body) // the read limit stops a huge answer
		resp.Body.Close()
		code, err = resp.StatusCode, nil
	}
	o := models.DeliveryOutcome{Delivery: d, Attempted: true, StatusCode: code, Status: deliveryStatus(code), Error: callError(code, err), AttemptOn: start}
	if trace := traces.Last(); trace != nil {
		o.Log = retryLog(d, trace, code, start)
	}
	var denied *netguard.DeniedError
	if errors.As(err, &denied) {
		// the deny list won't change its mind: no point trying until the horizon
		o.Status = models.DeliveryFailed
	} else if o.Status == models.DeliveryRetrying {
		retryAfter := ""
		if resp != nil {
			retryAfter = resp.Header.Get("Retry-After")
		}
		o.NextAt, o.Status, o.Error = h.nextAttempt(d.FirstAttemptOn, d.Attempts+1, start, retryAfter, o.Error)
	}
	return o
}

// nextAttempt is when a delivery whose attempts-th attempt has just failed, at now, in a way that may pass is
// tried again, honouring a Retry-After; once its schedule has no further attempt it is given up.
func (h *Host) nextAttempt(first time.Time, attempts int, now time.Time, retryAfter, lastErr string) (*time.Time, models.DeliveryStatus, string) {
	var wait time.Duration
	if retryAfter != "" {
		wait = httpx.ParseRetryAfter(retryAfter)
	}
	at, ok := h.ResthookRetry.Next(attempts, first, now, wait, nil)
	if !ok {
		return nil, models.DeliveryFailed, fmt.Sprintf("given up after %d attempts: %s", attempts, lastErr)
	}
	return &at, models.DeliveryRetrying, lastErr
}

// callError describes a failed attempt for the delivery's record: the client's error when there was no answer.
func callError(code int, err error) string {
	switch {
	case code >= 200 && code < 300:
		return ""
	case code == 0 && err != nil:
		return "no answer: " + err.Error()
	case code == 0:
		return "no answer: the connection failed or timed out"
	default:
		return fmt.Sprintf("answered %d %s", code, http.StatusText(code))
	}
}

func retryLog(d *models.DueDelivery, trace *httpx.Trace, code int, at time.Time) *models.HTTPLog {
	log := httpx.NewLog(trace, 2048, 10000, nil)
	status := "success"
	switch deliveryStatus(code) {
	case models.DeliveryGone:
		status = "subscriber_gone"
	case models.DeliveryRetrying, models.DeliveryFailed:
		status = "response_error"
		if code == 0 {
			status = "connection_error"
		}
	}
	return &models.HTTPLog{WorkspaceID: d.WorkspaceID, FlowID: d.FlowID, URL: d.TargetURL, Status: status, StatusCode: code,
		Request: log.Request, Response: log.Response, ElapsedMS: log.ElapsedMS, CreatedOn: at}
}

// newRetryClient is client with its calls traced (for the HTTP log) and their answers read up to the limit
// flows' own calls have.
func newRetryClient(client *http.Client) *http.Client {
	c := *client
	inner := client.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	c.Transport = httpx.WithTraces(httpx.WithReadLimit(inner, MaxWebhookResponseBytes))
	return &c
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
