// Package channeltest is the harness every channel type's tests use, after courier's handler tests: a table of
// requests a gateway makes to /c/<type>/<uuid>/<action> with the answer each must get and what flowsd must
// have been told (RunIncoming), and a table of messages sent through a local stand-in for the gateway with the
// requests it must see, what became of each send, and a check that the channel's secrets never reach a log
// (RunOutgoing).
package channeltest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/flowsd/flowsd/channels"
)

// ChannelUUID is the UUID of the channels the harness makes.
const ChannelUUID = "8eb23e93-5ecb-45ba-b726-3b064e0c56ab"

// DefaultAddress and DefaultCountry are those of the channels the harness makes when a case says nothing.
const (
	DefaultAddress = "2020"
	DefaultCountry = "US"
)

// HandledAt is the time the fake gateway says it handled what a request told (Handled.At), so answers that show
// "now" show this.
var HandledAt = time.Date(2026, 1, 2, 3, 4, 5, 678000000, time.UTC)

// MsgUUID is the UUID the fake gateway gives the i-th (from 0) message a request told of.
func MsgUUID(i int) string { return fmt.Sprintf("0199d1c0-0000-7000-8000-%012d", i+1) }

// NewChannel is a channel of the type h for a test: ChannelUUID, address DefaultAddress, the country (""
// gives DefaultCountry), the type's own schemes and config as the store would give it (see storedConfig).
func NewChannel(h channels.Handler, country string, config channels.Config) *channels.Channel {
	if country == "" {
		country = DefaultCountry
	}
	return &channels.Channel{
		UUID:    ChannelUUID,
		Type:    h.Code(),
		Name:    "Test " + h.Name(),
		Address: DefaultAddress,
		Country: country,
		Schemes: slices.Clone(h.Schemes()),
		Config:  storedConfig(config),
	}
}

// ChannelSpec says which channel a case runs on: a copy of Channel (its config as stored) when set, else one
// from NewChannel with Country and Config, then Address and Schemes when set.
type ChannelSpec struct {
	Channel *channels.Channel
	Country string
	Address string
	Schemes []string
	Config  channels.Config
}

func (s ChannelSpec) build(h channels.Handler) (*channels.Channel, error) {
	if s.Channel != nil {
		if s.Country != "" || s.Address != "" || s.Schemes != nil || s.Config != nil {
			return nil, fmt.Errorf("a case with a Channel can't also set Country, Address, Schemes or Config")
		}
		ch := *s.Channel
		ch.Schemes = slices.Clone(ch.Schemes)
		ch.Config = storedConfig(ch.Config)
		return &ch, nil
	}
	ch := NewChannel(h, s.Country, s.Config)
	if s.Address != "" {
		ch.Address = s.Address
	}
	if s.Schemes != nil {
		ch.Schemes = slices.Clone(s.Schemes)
	}
	return ch, nil
}

// storedConfig is a config as the store would give it: written as JSON and read back with channels.ParseConfig,
// so numbers are json.Numbers, objects map[string]any, and the case's own maps are never shared or changed.
func storedConfig(c channels.Config) channels.Config {
	if c == nil {
		return channels.Config{}
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("channeltest: a config that isn't JSON: %v", err))
	}
	out, err := channels.ParseConfig(string(b))
	if err != nil {
		panic(fmt.Sprintf("channeltest: %v", err))
	}
	return out
}

// mapConfigStrings applies f to every string of a config, objects' values included.
func mapConfigStrings(c channels.Config, f func(string) string) {
	for k, v := range c {
		switch v := v.(type) {
		case string:
			c[k] = f(v)
		case map[string]any:
			for mk, mv := range v {
				if s, ok := mv.(string); ok {
					v[mk] = f(s)
				}
			}
		}
	}
}

// ErrorEntries are the entries courier's 400 answer has for an error a type's Receive returned: each of
// Errors() when the error has that method (several entries, e.g. a validator failure and its "field '…'
// required"), else the error alone. The gateway writes them with channels.WriteError.
func ErrorEntries(err error) []error {
	if l, ok := err.(interface{ Errors() []error }); ok {
		if errs := l.Errors(); len(errs) > 0 {
			return errs
		}
	}
	return []error{err}
}

// FormatReceived describes what a request told, one line per item, for comparisons: times as RFC 3339 in UTC
// ("zero" when not set), maps sorted.
func FormatReceived(rs []channels.Received) string {
	var b strings.Builder
	for i, r := range rs {
		fmt.Fprintf(&b, "%d: ", i)
		n := 0
		if r.Msg != nil {
			n++
			m := r.Msg
			fmt.Fprintf(&b, "msg urn=%s name=%q text=%q attachments=%q external_id=%q received_on=%s", m.URN, m.Name, m.Text,
				m.Attachments, m.ExternalID, formatTime(m.ReceivedOn))
			if len(m.Payload) > 0 {
				fmt.Fprintf(&b, " payload=%s", m.Payload)
			}
			for _, md := range m.Media {
				fmt.Fprintf(&b, " media=%q,%q,%q", md.ID, md.MimeType, md.Filename)
			}
		}
		if r.Status != nil {
			n++
			s := r.Status
			fmt.Fprintf(&b, "status msg_uuid=%q external_id=%q status=%s", s.MsgUUID, s.ExternalID, s.Status)
			for _, e := range s.Errors {
				fmt.Fprintf(&b, " error=%q,%q,%q", e.Code, e.ExtCode, e.Message)
			}
		}
		if r.Event != nil {
			n++
			e := r.Event
			fmt.Fprintf(&b, "event type=%s urn=%s extra=%s occurred_on=%s", e.Type, e.URN, formatMap(e.Extra), formatTime(e.OccurredOn))
		}
		if n != 1 {
			fmt.Fprintf(&b, " (INVALID: %d of Msg, Status and Event set, want 1)", n)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "zero"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q:%q", k, m[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// formatHeaders lists headers sorted, one per line, for failure messages.
func formatHeaders(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "    %s: %s\n", k, strings.Join(h[k], ", "))
	}
	return b.String()
}
