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
	// HTTPClient makes the calls flows make to webhooks and resthook subscribers: the runtime's, with its
	// timeout and deny list. Nil is a plain client with a 15 second timeout (the default client would wait for
	// ever) and no deny list: for tests only.
	HTTPClient *http.Client
	// UserAgent is sent with those calls.
	UserAgent string
}

// NewEngine builds the engine: one is shared by every workspace and goroutine (sessions are not, see Host).
func NewEngine(opts EngineOptions) flows.Engine {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "flowsd"
	}
	return engine.NewBuilder().
		WithHTTPClient(opts.HTTPClient).
		WithWebhookServiceFactory(webhooks.NewServiceFactory(map[string]string{"User-Agent": opts.UserAgent}, nil)).
		Build()
}
