package flows

import (
	"io"
	"net/http"
	"strings"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/netguard"
	"github.com/nyaruka/gocommon/httpx"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/engine"
	"github.com/nyaruka/goflow/services/webhooks"
)

// callHeaders are sent with every call a flow makes, as mailroom sends them (its User-Agent names mailroom;
// ours names flowsd). A header the flow sets itself wins.
func callHeaders(userAgent string) map[string]string {
	return map[string]string{"User-Agent": userAgent, "X-Mailroom-Mode": "normal"}
}

// webhookServiceFactory is goflow's webhook service with one addition: a call to one of the session's resthook
// subscribers carries the Idempotency-Key of its delivery, so that the retries made later from the stored
// delivery (which carry the same key) can be recognised by the subscriber; and when the deny list refuses such
// a post, denied hears why, for the delivery.
func webhookServiceFactory(userAgent string, denied *deniedCalls) engine.WebhookServiceFactory {
	inner := webhooks.NewServiceFactory(callHeaders(userAgent), nil)
	return func(eng flows.Engine, sa flows.SessionAssets) (flows.WebhookService, error) {
		svc, err := inner(eng, sa)
		if err != nil {
			return nil, err
		}
		return &keyedService{WebhookService: svc, assets: sa, denied: denied}, nil
	}
}

type keyedService struct {
	flows.WebhookService
	assets flows.SessionAssets
	denied *deniedCalls
}

func (s *keyedService) Call(req *http.Request) (*httpx.Trace, error) {
	if req.Method == http.MethodPost && req.Header.Get("Idempotency-Key") == "" && s.isSubscriber(req.URL.String()) {
		if body, ok := peekBody(req); ok {
			key := models.DeliveryKey(req.URL.String(), body)
			req.Header.Set("Idempotency-Key", key)
			// the service keeps only that the call didn't connect: the guard's note tells the delivery why
			ctx, note := netguard.WithNote(req.Context())
			trace, err := s.WebhookService.Call(req.WithContext(ctx))
			if d := note.Denied(); d != nil {
				s.denied.note(key, d.Error())
			}
			return trace, err
		}
	}
	return s.WebhookService.Call(req)
}

// isSubscriber says whether url is one of the session's resthook subscribers: call_resthook's requests are
// the only posts made to them (a call_webhook to the same URL with the same body would be the same delivery).
func (s *keyedService) isSubscriber(url string) bool {
	hooks, err := s.assets.Source().Resthooks()
	if err != nil {
		return false
	}
	for _, h := range hooks {
		for _, target := range h.Subscribers() {
			if models.NormalizeTargetURL(target) == url {
				return true
			}
		}
	}
	return false
}

// peekBody reads a request's body without consuming it.
func peekBody(req *http.Request) ([]byte, bool) {
	if req.GetBody == nil {
		return nil, false
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	defer rc.Close()
	body, err := io.ReadAll(rc)
	return body, err == nil
}

// retryable says whether an attempt that got code (0: no answer at all: no connection, a timeout, an address
// refused) may pass if made again later.
func retryable(code int) bool { return code == 0 || code == http.StatusTooManyRequests || code >= 500 }

// deliveryStatus is where a delivery stands after an attempt that got code.
func deliveryStatus(code int) models.DeliveryStatus {
	switch {
	case code >= 200 && code < 300:
		return models.DeliveryDelivered
	case code == http.StatusGone:
		return models.DeliveryGone
	case retryable(code):
		return models.DeliveryRetrying
	default:
		return models.DeliveryFailed
	}
}

// traceHeader reads one header of a request or response trace as the engine logs it (its headers come first,
// so trimming leaves them).
func traceHeader(trace, name string) string {
	head, _, _ := strings.Cut(trace, "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n")[1:] {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
