// Package gateway is courier's half of flowsd: the routes channels' gateways call (/c/<type>/<uuid>/<action>:
// messages from contacts, statuses of messages sent, events), and the senders that send queued messages
// through them. Everything here is the same for every channel type; what differs is each type's package
// behind channels.Handler.
package gateway

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/flowsd/flowsd/channels"
	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/nyaruka/gocommon/httpx"
	"github.com/nyaruka/gocommon/stringsx"
)

// Gateway is what the routes and senders work with.
type Gateway struct {
	rt    *runtime.Runtime
	store *models.Store
	flows *flows.Host
	log   *slog.Logger
	http  *http.Client // the runtime's, its calls traced and their denials noted for channel logs
}

// New makes the gateway of a process.
func New(rt *runtime.Runtime, store *models.Store, host *flows.Host) *Gateway {
	traced := *rt.HTTP
	traced.Transport = httpx.WithTraces(noteDenials{inner: rt.HTTP.Transport})
	return &Gateway{rt: rt, store: store, flows: host, log: rt.Log, http: &traced}
}

// channelOf is a channel row as its type sees it, with the server's defaults of its type's settings.
func (g *Gateway) channelOf(ch *models.Channel) (*channels.Channel, error) {
	cfg, err := channels.ParseConfig(ch.Config)
	if err != nil {
		return nil, err
	}
	return &channels.Channel{UUID: ch.UUID, Type: ch.ChannelType, Name: ch.Name, Address: ch.Address, Country: ch.CountryCode(),
		Schemes: ch.Schemes, Config: cfg, Defaults: g.defaults(ch.ChannelType)}, nil
}

// defaults are the server's values of a type's settings (runtime.Config.ChannelDefaults).
func (g *Gateway) defaults(channelType string) channels.Config {
	d := channels.Config{}
	for k, v := range g.rt.Config.ChannelDefaults[strings.ToUpper(channelType)] {
		d[k] = v
	}
	return d
}

// redactor hides a channel's secrets from what is logged: as they are, and as they read once escaped in a
// URL, a form or JSON, the ways a request or an answer may carry them.
func redactor(h channels.Handler, ch *channels.Channel) stringsx.Redactor {
	var secrets []string
	add := func(s string) {
		if s != "" && !slices.Contains(secrets, s) {
			secrets = append(secrets, s)
		}
	}
	for _, s := range h.Secrets(ch) {
		if s == "" {
			continue
		}
		add(s)
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
		if b, err := json.Marshal(s); err == nil {
			add(string(b[1 : len(b)-1]))
		}
	}
	// longest first, so that a secret inside another's escaped form doesn't leave the rest of it
	sort.SliceStable(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	return stringsx.NewRedactor("**********", secrets...)
}

// httpLogs are traces as channel logs keep them: trimmed, secrets redacted, as a JSON list.
func httpLogs(traces []*httpx.Trace, redact stringsx.Redactor) string {
	logs := make([]*httpx.Log, len(traces))
	for i, t := range traces {
		logs[i] = httpx.NewLog(t, 2048, 50000, redact)
	}
	b, err := json.Marshal(logs)
	if err != nil {
		return "[]"
	}
	return string(b)
}

func jsonList(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "[]"
	}
	return string(b)
}
