package flows

import (
	"net/http"
	"time"

	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/engine"
)

// MaxWebhookResponseBytes is how much of a webhook's or subscriber's answer is read, as mailroom's default
// (WebhooksMaxBodyBytes): a larger answer's body is dropped from the call's log and @webhook.
const MaxWebhookResponseBytes = 256 * 1024

// EngineOptions configure the engine flowsd runs flows with.
type EngineOptions struct {
	// HTTPClient makes the calls flows make to webhooks and resthook subscribers: the runtime's, with its
	// timeout and deny list. Nil is a plain client with a 15 second timeout (the default client would wait for
	// ever) and no deny list: for tests only.
	HTTPClient *http.Client
	// UserAgent is sent with those calls.
	UserAgent string

	denied *deniedCalls // where the host hears of its resthook posts the deny list refused
}

func (o *EngineOptions) defaults() {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if o.UserAgent == "" {
		o.UserAgent = "flowsd"
	}
}

// NewEngine builds the engine: one is shared by every workspace and goroutine (sessions are not, see Host).
func NewEngine(opts EngineOptions) flows.Engine {
	opts.defaults()
	return engine.NewBuilder().
		WithHTTPClient(opts.HTTPClient).
		WithWebhookLimits(256*1024, MaxWebhookResponseBytes).
		WithWebhookServiceFactory(webhookServiceFactory(opts.UserAgent, opts.denied)).
		Build()
}
