// Package channels is courier's half of flowsd: one package per channel type (external/ for EX, courier's
// External API channel; whatsapp/ next) behind the one interface here. A type knows how to send a message
// through its gateway and how to read the requests its gateway makes to /c/<type>/<channel uuid>/<action>;
// the gateway package (routes, senders, status writes) does everything else the same way for every type. This
// package knows nothing of the store: channels come to it as values.
package channels

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nyaruka/gocommon/urns"
)

// Channel is a channel as a type sees it.
type Channel struct {
	UUID    string
	Type    string // the type's code, e.g. "EX"
	Name    string
	Address string
	Country string   // ISO 3166-1 alpha-2, "" when none
	Schemes []string // URN schemes it talks on; the first is the one incoming messages' URNs are made in
	Config  Config
	// Defaults are the server-wide values of the type's settings (FLOWSD_WAC_ACCESS_TOKEN, say), which a type
	// falls back on when Config has none of its own; kept apart so that the type decides which of its keys and
	// aliases win.
	Defaults Config
}

// Outgoing is one message to send.
type Outgoing struct {
	ID            int64
	UUID          string
	URN           urns.URN // identity of the contact's URN, e.g. tel:+250788383383
	Text          string
	Attachments   []string // "content-type:url"
	QuickReplies  []QuickReply
	SessionStatus string // "W" waiting or "C" completed for flow messages, "" otherwise
	HighPriority  bool
	Templating    *Templating // to be sent as a template, nil for a session message
	Extras        *MsgExtras  // nil for most messages
}

// MsgExtras are what a message may carry beyond goflow's content, for the types that can show it: WhatsApp's
// interactive header, footer and list button, from a whatsapp_broadcasts msg. msgs.metadata keeps them as this
// JSON; types that can't show them send the message without them.
type MsgExtras struct {
	HeaderType string   `json:"header_type,omitempty"` // "text", or "media": the first attachment heads the message
	HeaderText string   `json:"header_text,omitempty"`
	Footer     string   `json:"footer,omitempty"`
	List       bool     `json:"list,omitempty"`        // the text quick replies are a list, however few (Weni's list_message)
	ButtonText string   `json:"button_text,omitempty"` // a list's button ("Menu" when none)
	ListIDs    []string `json:"list_ids,omitempty"`    // a list's row ids in order (their index when none)
}

// QuickReply is a reply the contact is offered.
type QuickReply struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Extra string `json:"extra,omitempty"`
}

// SendStatus is what became of a send.
type SendStatus string

const (
	SendWired   SendStatus = "wired"   // the gateway took it
	SendErrored SendStatus = "errored" // a passing failure: tried again later
	SendFailed  SendStatus = "failed"  // a failure trying again won't mend
)

// SendError codes, courier's.
const (
	ErrorChannelConfig       = "channel_config"
	ErrorConnectionFailed    = "connection_failed"
	ErrorConnectionThrottled = "connection_throttled"
	ErrorResponseStatus      = "response_status"
	ErrorResponseContent     = "response_content"
	ErrorResponseUnparseable = "response_unparseable"
)

// SendError is why a send didn't succeed, as channel logs show it.
type SendError struct {
	Code    string `json:"code"`
	ExtCode string `json:"ext_code,omitempty"`
	Message string `json:"message"`
}

// SendResult is the outcome of a send. The HTTP calls it made are traced by the caller (httpx traces on the
// context), not here.
type SendResult struct {
	Status     SendStatus
	ExternalID string
	Errors     []SendError
	// RetryAfter, when set, is how long the gateway asked to be left alone (429s); the retry schedule waits at
	// least that long.
	RetryAfter time.Duration
	// Reason, for a failed send, is the message's failed reason when the gateway gave one of its own (Meta's
	// error code, say); "" records send_failed. At most 32 characters.
	Reason string
}

// Wired is the result of a send the gateway took.
func Wired(externalID string) *SendResult {
	return &SendResult{Status: SendWired, ExternalID: externalID}
}

// Errored is the result of a send to try again.
func Errored(code, message string) *SendResult {
	return &SendResult{Status: SendErrored, Errors: []SendError{{Code: code, Message: message}}}
}

// Failed is the result of a send that can't succeed.
func Failed(code, message string) *SendResult {
	return &SendResult{Status: SendFailed, Errors: []SendError{{Code: code, Message: message}}}
}

// MsgStatus is a status a gateway reports for a message it was given.
type MsgStatus string

const (
	StatusWired     MsgStatus = "wired"
	StatusSent      MsgStatus = "sent"
	StatusDelivered MsgStatus = "delivered"
	StatusRead      MsgStatus = "read"
	StatusErrored   MsgStatus = "errored"
	StatusFailed    MsgStatus = "failed"
)

// EventType is a kind of channel event, RapidPro's words.
type EventType string

const (
	EventStopContact     EventType = "stop_contact"
	EventNewConversation EventType = "new_conversation"
	EventReferral        EventType = "referral"
	EventWelcomeMessage  EventType = "welcome_message"
	EventOptIn           EventType = "optin"
	EventOptOut          EventType = "optout"
	EventDeleteContact   EventType = "delete_contact"
)

// Received is one thing a gateway's request told us: a message from a contact, a status of a message we sent,
// or an event.
type Received struct {
	Msg    *ReceivedMsg
	Status *ReceivedStatus
	Event  *ReceivedEvent
}

// ReceivedMsg is a message a contact sent.
type ReceivedMsg struct {
	URN         urns.URN // normalized
	Name        string   // the contact's name as the channel knows it, if it does
	Text        string
	Attachments []string // "content-type:url", or just a URL when the type is unknown
	ExternalID  string
	ReceivedOn  time.Time       // when the channel received it; zero for now
	Payload     json.RawMessage // structured data that came with it (a WhatsApp Flow's answers), a JSON object; flows read it as @input.payload
	Media       []MediaRef      // attachments still to be fetched from the gateway (FetchMedia), added after Attachments
}

// MediaRef names a file a gateway keeps for an incoming message, which the type's FetchMedia downloads.
type MediaRef struct {
	ID       string
	MimeType string
	Filename string
}

// ReceivedStatus is a gateway's news of a message we sent, named by our UUID (or its external id).
type ReceivedStatus struct {
	MsgUUID    string
	ExternalID string
	Status     MsgStatus
	Errors     []SendError // why the gateway says it failed, for the channel log; the first's ExtCode is the failed reason
}

// ReceivedEvent is a channel event about a contact.
type ReceivedEvent struct {
	Type       EventType
	URN        urns.URN
	Extra      map[string]string
	OccurredOn time.Time // zero for now
}

// Handled is what the gateway did with what was received, for the answer: the UUIDs it gave the messages and
// events, in the order they were received.
type Handled struct {
	Received []Received
	MsgUUIDs []string // one per received message
	At       time.Time
	// ChannelUUIDs, when set, name the channel of each of Received: a request of a Router type may tell of
	// several channels.
	ChannelUUIDs []string
}

// Handler is a channel type.
type Handler interface {
	// Code is the type's code in the API and channel rows ("EX"); lower-cased, its part of /c/<type>/….
	Code() string
	// Name is how people call it ("External API").
	Name() string
	// Schemes are the URN schemes a channel of this type talks on when its config says nothing.
	Schemes() []string
	// Actions are the actions of /c/<type>/<uuid>/<action> it answers, each for GET and POST.
	Actions() []string
	// Receive reads a request of its gateway. An error is the gateway's mistake (a 400 saying what); nothing is
	// written then.
	Receive(ctx context.Context, ch *Channel, action string, r *http.Request) ([]Received, error)
	// Respond writes the answer to a request once what it said is handled.
	Respond(w http.ResponseWriter, ch *Channel, action string, h *Handled) error
	// Send sends one message through the gateway with client, whose calls are traced by the caller.
	Send(ctx context.Context, ch *Channel, msg *Outgoing, client *http.Client) *SendResult
	// Secrets are the config values that logs must never show.
	Secrets(ch *Channel) []string
}

// Defaulter is a type whose new channels get config values their creator left out, as RapidPro's claim form
// fills them in (courier itself reads a missing key as empty).
type Defaulter interface {
	ConfigDefaults() map[string]any
}

// Router is a type whose gateway calls one URL for all its channels, /c/<type>/<action> with no channel UUID
// (Meta calls every WhatsApp number of an app at the same webhook): the request itself says which channels it
// is for. A request that names none (a webhook verification) is for the server's own settings.
type Router interface {
	// Route reads the addresses of the channels a request is for from it and its body (read already, at most
	// 1 MiB: the request's Body must not be read). An error is answered as a request error, nothing written.
	Route(r *http.Request, body []byte) ([]string, error)
}

// Verifier is a type whose gateway checks a webhook URL with a GET before using it (Meta's hub.challenge).
type Verifier interface {
	// Verify answers a verification request: ok false when r isn't one (then it is received as any other),
	// else the plain-text body to answer, or the error to answer instead.
	Verify(ch *Channel, r *http.Request) (body string, ok bool, err error)
}

// ErrorStatuser is a type whose request errors aren't courier's usual 400 (Meta retries anything but a 200).
type ErrorStatuser interface {
	ErrorStatus() int
}

// MediaFetcher is a type whose incoming messages' files are kept by the gateway and fetched with the channel's
// credentials (ReceivedMsg.Media).
type MediaFetcher interface {
	// FetchMedia opens a file: its content type and body, which the caller closes. client's calls are traced.
	FetchMedia(ctx context.Context, ch *Channel, ref MediaRef, client *http.Client) (contentType string, body io.ReadCloser, err error)
}

// SessionWindowed is a type whose free-form messages go only to contacts who wrote in lately (WhatsApp's 24
// hours): the gateway fails a message to a contact whose last message on the channel is older, without a send.
type SessionWindowed interface {
	// SessionWindow is how long after a contact's last message the channel may send them free-form messages; 0
	// when the channel doesn't check.
	SessionWindow(ch *Channel) time.Duration
}

// Validator is a type that checks a new channel's address and config.
type Validator interface {
	ValidateChannel(address string, cfg Config) error
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Handler{}
)

// Register makes a type known; each type's package registers itself from init.
func Register(h Handler) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[strings.ToUpper(h.Code())] = h
}

// Get is the type with a code, nil when unknown.
func Get(code string) Handler {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return registry[strings.ToUpper(code)]
}

// Codes lists the known types' codes, sorted.
func Codes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	codes := make([]string, 0, len(registry))
	for c := range registry {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}

// TemplateLister is a type whose gateway keeps message templates (WhatsApp's): the gateway syncs them from it.
// Items are the gateway's own, undecoded; an error means nothing should change.
type TemplateLister interface {
	FetchTemplates(ctx context.Context, ch *Channel, client *http.Client) ([]json.RawMessage, error)
	FetchFlows(ctx context.Context, ch *Channel, client *http.Client) ([]json.RawMessage, error)
}
