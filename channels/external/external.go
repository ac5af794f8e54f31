// Package external is courier's "External API" channel type (EX): a gateway of the user's own that flowsd sends
// messages to with a templated HTTP request, and that tells flowsd of incoming messages, message statuses and
// stopped contacts at /c/ex/<channel uuid>/<action>. The behaviour reproduces courier's EX handler, as flowsd's
// behaviour reference (messaging-campaigns §1) describes it in words; none of courier's code is used.
package external

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/flowsd/flowsd/channels"
	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/gocommon/urns"
	"github.com/nyaruka/gocommon/uuids"
)

// Code is the type's code.
const Code = "EX"

// The actions of /c/ex/<uuid>/<action>, each answered for GET and POST.
const (
	ActionReceive   = "receive"
	ActionSent      = "sent"
	ActionDelivered = "delivered"
	ActionFailed    = "failed"
	ActionStopped   = "stopped"
)

// Config keys the type reads (courier's names).
const (
	ConfigSendURL           = "send_url"
	ConfigMethod            = "method"
	ConfigBody              = "body"
	ConfigContentType       = "content_type"
	ConfigMaxLength         = "max_length"
	ConfigEncoding          = "encoding"
	ConfigSendAuthorization = "send_authorization"
	ConfigHeaders           = "headers"
	ConfigMTResponseCheck   = "mt_response_check"
	ConfigUseNational       = "use_national"

	ConfigMOFromField = "mo_from_field"
	ConfigMOTextField = "mo_text_field"
	ConfigMODateField = "mo_date_field"
	ConfigFromXPath   = "from_xpath"
	ConfigTextXPath   = "text_xpath"

	ConfigMOResponse            = "mo_response"
	ConfigMOResponseContentType = "mo_response_content_type"
)

// Default names of the receive fields, tried in order after the configured one.
var (
	defaultFromFields = []string{"from", "sender"}
	defaultTextFields = []string{"text"}
	defaultDateFields = []string{"date", "time"}
)

const (
	receiveFormLimit = 10_000_000 // multipart bodies of receive requests (courier's 10 MB)
	statusFormLimit  = 1 << 20    // multipart bodies of status and stop requests (courier's 1 MiB)
	xmlBodyLimit     = 100_000    // how much of an XML body is read
)

// secretKeys are the config keys whose values logs never show (courier's list).
var secretKeys = []string{"auth_token", "api_key", "secret", "password", ConfigSendAuthorization}

func init() { channels.Register(New()) }

type handler struct{}

// New is the EX type; the package registers one from init.
func New() channels.Handler { return handler{} }

func (handler) Code() string      { return Code }
func (handler) Name() string      { return "External API" }
func (handler) Schemes() []string { return []string{urns.Phone.Prefix} }

// ConfigDefaults are what RapidPro's claim form writes when left alone: a POST of the message's variables as a
// form.
func (handler) ConfigDefaults() map[string]any {
	return map[string]any{ConfigBody: DefaultSendBody}
}

// DefaultSendBody is RapidPro's default body of a send.
const DefaultSendBody = "uuid={{uuid}}&text={{text}}&to={{to}}&to_no_plus={{to_no_plus}}&from={{from}}&from_no_plus={{from_no_plus}}&channel={{channel}}"

func (handler) Actions() []string {
	return []string{ActionReceive, ActionSent, ActionDelivered, ActionFailed, ActionStopped}
}

// ErrorList is a request error courier answers with several error entries: the first is the error itself (and
// Error() is its text), the others follow it. It happens for validator failures, which courier follows with one
// "field '<name>' <tag>" entry per failed field. A gateway writes every entry of Errors() with
// channels.WriteError; errors.Is and errors.As see each of them through Unwrap.
type ErrorList []error

func (l ErrorList) Error() string {
	if len(l) == 0 {
		return ""
	}
	return l[0].Error()
}

// Errors are the entries of the answer, in order.
func (l ErrorList) Errors() []error { return l }

// Unwrap lets errors.Is and errors.As look at every entry.
func (l ErrorList) Unwrap() []error { return l }

// requiredField is courier's validator failure for a required form field that is missing or empty: the
// validator's own message first, then courier's short entry. formType and field are the names of courier's form
// struct and its field, which the validator's message shows.
func requiredField(formType, field string) error {
	return ErrorList{
		fmt.Errorf("Key: '%s.%s' Error:Field validation for '%s' failed on the 'required' tag", formType, field, field),
		fmt.Errorf("field '%s' required", strings.ToLower(field)),
	}
}

// Receive reads a request of the gateway.
func (h handler) Receive(ctx context.Context, ch *channels.Channel, action string, r *http.Request) ([]channels.Received, error) {
	switch action {
	case ActionReceive:
		return h.receiveMsg(ch, r)
	case ActionSent:
		return receiveStatus(r, channels.StatusSent)
	case ActionDelivered:
		return receiveStatus(r, channels.StatusDelivered)
	case ActionFailed:
		return receiveStatus(r, channels.StatusFailed)
	case ActionStopped:
		return h.receiveStop(ch, r)
	}
	return nil, fmt.Errorf("not found: %s", action)
}

// receiveMsg reads an incoming message, from the form (query string and body) or, when the channel has both
// XPaths, from an XML body.
func (h handler) receiveMsg(ch *channels.Channel, r *http.Request) ([]channels.Received, error) {
	var from, text, date string

	fromXPath := ch.Config.String(ConfigFromXPath, "")
	textXPath := ch.Config.String(ConfigTextXPath, "")

	if fromXPath != "" && textXPath != "" {
		var body []byte
		if r.Body != nil {
			var err error
			body, err = io.ReadAll(io.LimitReader(r.Body, xmlBodyLimit))
			r.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("unable to read request body: %s", err)
			}
		}
		doc, err := parseXML(body)
		if err != nil {
			return nil, fmt.Errorf("unable to parse request XML: %s", err)
		}
		fromText, fromFound := doc.findText(fromXPath)
		textText, textFound := doc.findText(textXPath)
		if !fromFound || !textFound {
			return nil, fmt.Errorf("missing from at: %s or text at: %s node", fromXPath, textXPath)
		}
		from, text = fromText, textText
	} else {
		var err error
		if strings.Contains(r.Header.Get("Content-Type"), "multipart/form-data") {
			err = r.ParseMultipartForm(receiveFormLimit)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			return nil, fmt.Errorf("invalid request: %w", err)
		}
		from = formField(r, ch.Config.String(ConfigMOFromField, ""), defaultFromFields)
		text = formField(r, ch.Config.String(ConfigMOTextField, ""), defaultTextFields)
		date = formField(r, ch.Config.String(ConfigMODateField, ""), defaultDateFields)
	}

	if from == "" {
		return nil, errors.New("must have one of 'sender' or 'from' set")
	}

	var receivedOn time.Time // zero: the gateway uses now
	if date != "" {
		t, err := time.Parse(time.RFC3339Nano, date)
		if err != nil {
			return nil, errors.New("invalid date format, must be RFC 3339")
		}
		receivedOn = t
	}

	urn, err := h.buildURN(ch, from)
	if err != nil {
		return nil, err
	}

	return []channels.Received{{Msg: &channels.ReceivedMsg{URN: urn, Text: text, ReceivedOn: receivedOn}}}, nil
}

// formField is the first value of the configured field when the request has it, else of the first default field
// it has; a field that is present but empty still wins.
func formField(r *http.Request, configured string, defaults []string) string {
	if configured != "" {
		if vs, ok := r.Form[configured]; ok && len(vs) > 0 {
			return vs[0]
		}
	}
	for _, name := range defaults {
		if vs, ok := r.Form[name]; ok && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// parseSmallForm parses the form of a status or stop request as courier does for its form structs: a body that
// is exactly multipart/form-data is read as multipart (1 MiB in memory), anything else by ParseForm. Errors are
// answered as they are.
func parseSmallForm(r *http.Request) error {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "multipart/form-data" {
		return r.ParseMultipartForm(statusFormLimit)
	}
	return r.ParseForm()
}

// lastValue is a form field as courier's form decoding reads it: the last value given, "" when absent.
func lastValue(r *http.Request, name string) string {
	if vs := r.Form[name]; len(vs) > 0 {
		return vs[len(vs)-1]
	}
	return ""
}

// receiveStatus reads a status callback: the message is named by uuid or (deprecated) id.
func receiveStatus(r *http.Request, status channels.MsgStatus) ([]channels.Received, error) {
	if err := parseSmallForm(r); err != nil {
		return nil, err
	}
	id, uuid := lastValue(r, "id"), lastValue(r, "uuid")

	if id == "" && uuid == "" {
		return nil, errors.New("parameters id or uuid should not be empty")
	}
	if !uuids.Is(id) && !uuids.Is(uuid) {
		return nil, fmt.Errorf("parsing failed: id '%s' and uuid '%s' are not valid UUIDs", id, uuid)
	}

	// as in courier, a non-empty uuid wins even when only id is a valid UUID: the update then names no message
	// and is ignored, but the request is still accepted
	msgUUID := uuid
	if msgUUID == "" {
		msgUUID = id
	}
	return []channels.Received{{Status: &channels.ReceivedStatus{MsgUUID: msgUUID, Status: status}}}, nil
}

// receiveStop reads a stopped callback: the contact of from asked not to be sent to any more.
func (h handler) receiveStop(ch *channels.Channel, r *http.Request) ([]channels.Received, error) {
	if err := parseSmallForm(r); err != nil {
		return nil, err
	}
	from := lastValue(r, "from")
	if from == "" {
		return nil, requiredField("stopContactForm", "From")
	}
	urn, err := h.buildURN(ch, from)
	if err != nil {
		return nil, err
	}
	return []channels.Received{{Event: &channels.ReceivedEvent{Type: channels.EventStopContact, URN: urn}}}, nil
}

// buildURN makes the URN of a sender in the channel's first scheme: tel numbers are parsed with the channel's
// country (short codes allowed, sender ids not); any other scheme takes the value as its path, normalized and
// validated.
func (h handler) buildURN(ch *channels.Channel, from string) (urns.URN, error) {
	schemes := ch.Schemes
	if len(schemes) == 0 {
		schemes = h.Schemes()
	}
	if schemes[0] == urns.Phone.Prefix {
		return urns.ParsePhone(from, i18n.Country(ch.Country), true, false)
	}
	return urns.NewFromParts(schemes[0], from, nil, "")
}

// Respond writes courier's answer. A receive on a channel with a mo_response answers that body as it is, with
// mo_response_content_type as its type when set; when not, the type is what net/http would sniff from the body,
// as courier's server sends it.
func (handler) Respond(w http.ResponseWriter, ch *channels.Channel, action string, h *channels.Handled) error {
	if action == ActionReceive {
		if body := ch.Config.String(ConfigMOResponse, ""); body != "" {
			contentType := ch.Config.String(ConfigMOResponseContentType, "")
			if contentType == "" {
				contentType = http.DetectContentType([]byte(body))
			}
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(http.StatusOK)
			_, err := io.WriteString(w, body)
			return err
		}
	}
	return channels.WriteHandled(w, ch, h)
}

// Secrets are the values of courier's secret keys and, unlike courier (which leaves them in its logs), the values
// of the headers map: custom headers are where gateways' tokens usually go, so flowsd redacts them all. Empty
// values are left out (redacting "" would mask everything).
func (handler) Secrets(ch *channels.Channel) []string {
	var secrets []string
	add := func(v string) {
		if v != "" && !slices.Contains(secrets, v) {
			secrets = append(secrets, v)
		}
	}
	for _, key := range secretKeys {
		add(ch.Config.String(key, ""))
	}
	headers := ch.Config.Strings(ConfigHeaders)
	names := make([]string, 0, len(headers))
	for name := range headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		add(headers[name])
	}
	return secrets
}
