package flows

import (
	"net/http"
	"time"

	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/engine"
	"github.com/nyaruka/goflow/services/webhooks"
)

// EngineOptions configure the engine flowsd runs flows with.
type EngineOptions struct {
	// WebhookTimeout bounds each call a flow makes to a webhook or resthook subscriber: the engine's default
	// client would wait for ever.
	WebhookTimeout time.Duration
	// UserAgent is sent with those calls.
	UserAgent string
}

// NewEngine builds the engine: one is shared by every workspace and goroutine (sessions are not, see Host).
func NewEngine(opts EngineOptions) flows.Engine {
	if opts.WebhookTimeout == 0 {
		opts.WebhookTimeout = 15 * time.Second
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "flowsd"
	}
	client := &http.Client{Timeout: opts.WebhookTimeout}
	return engine.NewBuilder().
		WithHTTPClient(client).
		WithWebhookServiceFactory(webhooks.NewServiceFactory(map[string]string{"User-Agent": opts.UserAgent}, nil)).
		Build()
}
