// Package wac is the WhatsApp Cloud API channel type (WAC): Meta's Graph API sends a number's messages, and
// Meta's webhook tells flowsd of incoming messages and of the statuses of those sent, at /c/wac/receive (every
// number of the app at one URL, the channel found by the payload's phone_number_id) or /c/wac/<uuid>/receive.
// The behaviour reproduces courier's WhatsApp Cloud handler as flowsd's reference
// (whatsapp-tickets-archives §A) describes it in words; none of courier's code is used.
package wac

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowsd/flowsd/channels"
	"github.com/nyaruka/gocommon/urns"
)

// Code is the type's code.
const Code = "WAC"

// ActionReceive is the one action: webhook verification (GET) and events (POST).
const ActionReceive = "receive"

// Config keys the type reads. The wa_* keys RapidPro stores (wa_number, wa_waba_id, …) are kept as given.
const (
	ConfigAccessToken   = "access_token"
	ConfigUserToken     = "wa_user_token" // Weni's name of the access token, an alias
	ConfigAppSecret     = "app_secret"
	ConfigVerifyToken   = "verify_token"
	ConfigGraphURL      = "graph_url"
	ConfigGraphVersion  = "graph_version"
	ConfigSessionWindow = "session_window" // false turns the 24-hour check off
	ConfigMaxLength     = "max_length"
)

// Defaults of the Graph API's place.
const (
	DefaultGraphURL     = "https://graph.facebook.com"
	DefaultGraphVersion = "v25.0"
)

// SessionWindow is how long after a contact's last message WhatsApp lets a business send them free-form
// messages.
const SessionWindow = 24 * time.Hour

// maxBodyBytes is how much of a webhook's body is read (courier's 1 MiB); a longer one is refused.
const maxBodyBytes = 1 << 20

// secretKeys are the config keys whose values logs never show.
var secretKeys = []string{ConfigAccessToken, ConfigUserToken, ConfigAppSecret, ConfigVerifyToken}

func init() { channels.Register(New()) }

type handler struct{}

// New is the WAC type; the package registers one from init.
func New() channels.Handler { return handler{} }

func (handler) Code() string      { return Code }
func (handler) Name() string      { return "WhatsApp Cloud" }
func (handler) Schemes() []string { return []string{urns.WhatsApp.Prefix} }
func (handler) Actions() []string { return []string{ActionReceive} }

// ConfigDefaults are what RapidPro gives a new WAC channel: 80 messages a second (Meta's rate for a number).
func (handler) ConfigDefaults() map[string]any { return map[string]any{"tps": 80} }

// ErrorStatus is 200: Meta retries a webhook answered with anything else, and what was refused on purpose must
// not come again (courier answers the same).
func (handler) ErrorStatus() int { return http.StatusOK }

// setting is a channel's value of a setting, else the server's.
func setting(ch *channels.Channel, keys ...string) string {
	for _, k := range keys {
		if v := ch.Config.String(k, ""); v != "" {
			return v
		}
	}
	for _, k := range keys {
		if v := ch.Defaults.String(k, ""); v != "" {
			return v
		}
	}
	return ""
}

func accessToken(ch *channels.Channel) string { return setting(ch, ConfigAccessToken, ConfigUserToken) }

// graphBase is {graph_url}/{graph_version}, with no slash at the end.
func graphBase(ch *channels.Channel) string {
	u := strings.TrimRight(setting(ch, ConfigGraphURL), "/")
	if u == "" {
		u = DefaultGraphURL
	}
	v := strings.Trim(setting(ch, ConfigGraphVersion), "/")
	if v == "" {
		v = DefaultGraphVersion
	}
	return u + "/" + v
}

// SessionWindow is 24 hours unless the channel's session_window is false.
func (handler) SessionWindow(ch *channels.Channel) time.Duration {
	if v, ok := ch.Config[ConfigSessionWindow]; ok && v != nil && !ch.Config.Bool(ConfigSessionWindow) {
		return 0
	}
	return SessionWindow
}

// ValidateChannel checks a new channel: the address is the number's phone_number_id (digits), and the keys
// the type reads have values of the right kind.
func (handler) ValidateChannel(address string, cfg channels.Config) error {
	if address == "" || strings.Trim(address, "0123456789") != "" {
		return errors.New("a WAC channel's address is its phone_number_id, digits only")
	}
	for _, k := range []string{ConfigAccessToken, ConfigUserToken, ConfigAppSecret, ConfigVerifyToken, ConfigGraphURL, ConfigGraphVersion} {
		if v, ok := cfg[k]; ok {
			if _, isString := v.(string); !isString {
				return fmt.Errorf("config %s must be a string", k)
			}
		}
	}
	if u := cfg.String(ConfigGraphURL, ""); u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return fmt.Errorf("config %s must be an http:// or https:// URL", ConfigGraphURL)
	}
	if v := cfg.String(ConfigGraphVersion, ""); v != "" && (!strings.HasPrefix(v, "v") || strings.Trim(v[1:], "0123456789.") != "" || len(v) < 2) {
		return fmt.Errorf("config %s must be a version like %s", ConfigGraphVersion, DefaultGraphVersion)
	}
	if v, ok := cfg[ConfigSessionWindow]; ok {
		if _, isBool := v.(bool); !isBool {
			return fmt.Errorf("config %s must be true or false", ConfigSessionWindow)
		}
	}
	return nil
}

// Verify answers Meta's webhook check: hub.mode subscribe and hub.verify_token the channel's (or the server's)
// verify token give back hub.challenge.
func (handler) Verify(ch *channels.Channel, r *http.Request) (string, bool, error) {
	if r.Method != http.MethodGet {
		return "", false, nil
	}
	q := r.URL.Query()
	if q.Get("hub.mode") != "subscribe" {
		return "", true, errors.New("unknown request")
	}
	secret := setting(ch, ConfigVerifyToken)
	if secret == "" || subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), []byte(secret)) != 1 {
		return "", true, errors.New("token does not match secret")
	}
	return q.Get("hub.challenge"), true, nil
}

// The webhook's payload, as much of it as is read.
type (
	payload struct {
		Object string  `json:"object"`
		Entry  []entry `json:"entry"`
	}
	entry struct {
		ID      string   `json:"id"`
		Changes []change `json:"changes"`
	}
	change struct {
		Field string `json:"field"`
		Value value  `json:"value"`
	}
	value struct {
		Metadata struct {
			PhoneNumberID string `json:"phone_number_id"`
		} `json:"metadata"`
		Contacts []struct {
			Profile struct {
				Name string `json:"name"`
			} `json:"profile"`
			WaID string `json:"wa_id"`
		} `json:"contacts"`
		Messages []message `json:"messages"`
		Statuses []status  `json:"statuses"`
	}
	media struct {
		ID       string `json:"id"`
		MimeType string `json:"mime_type"`
		Caption  string `json:"caption"`
		Filename string `json:"filename"`
	}
	message struct {
		From      string `json:"from"`
		ID        string `json:"id"`
		Timestamp string `json:"timestamp"`
		Type      string `json:"type"`
		GroupID   string `json:"group_id"`
		Text      struct {
			Body string `json:"body"`
		} `json:"text"`
		Image    *media `json:"image"`
		Video    *media `json:"video"`
		Audio    *media `json:"audio"`
		Voice    *media `json:"voice"`
		Document *media `json:"document"`
		Location *struct {
			Latitude  float64 `json:"latitude"`
			Longitude float64 `json:"longitude"`
		} `json:"location"`
		Button *struct {
			Text string `json:"text"`
		} `json:"button"`
		Interactive *struct {
			Type        string `json:"type"`
			ButtonReply struct {
				Title string `json:"title"`
			} `json:"button_reply"`
			ListReply struct {
				Title string `json:"title"`
			} `json:"list_reply"`
			NFMReply struct {
				Body         string `json:"body"`
				ResponseJSON string `json:"response_json"`
			} `json:"nfm_reply"`
		} `json:"interactive"`
	}
	status struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Errors []struct {
			Code  int    `json:"code"`
			Title string `json:"title"`
		} `json:"errors"`
	}
)

// statuses are Meta's words for what became of a message, as flowsd's (deleted is news of nothing).
var statuses = map[string]channels.MsgStatus{
	"sent": channels.StatusSent, "delivered": channels.StatusDelivered, "read": channels.StatusRead, "failed": channels.StatusFailed,
}

// readBody reads a webhook's body, refusing one over maxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("unable to read request body: %s", err)
	}
	if len(body) > maxBodyBytes {
		return nil, fmt.Errorf("request body too large: at most %d bytes", maxBodyBytes)
	}
	return body, nil
}

func parse(body []byte) (*payload, error) {
	p := &payload{}
	if err := json.Unmarshal(body, p); err != nil {
		return nil, fmt.Errorf("unable to parse request JSON: %s", err)
	}
	if p.Object != "whatsapp_business_account" {
		return nil, fmt.Errorf("object expected 'whatsapp_business_account', found %q", p.Object)
	}
	return p, nil
}

// Route reads the phone_number_ids a webhook is for; none for a verification (a GET). The body is only
// decoded here, its signature checked by Receive with each channel's secret before anything is taken from it.
func (handler) Route(r *http.Request, body []byte) ([]string, error) {
	if r.Method == http.MethodGet {
		return nil, nil
	}
	if len(body) > maxBodyBytes {
		return nil, fmt.Errorf("request body too large: at most %d bytes", maxBodyBytes)
	}
	p, err := parse(body)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			if id := c.Value.Metadata.PhoneNumberID; id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("no channel address found")
	}
	return ids, nil
}

// checkSignature checks X-Hub-Signature-256 against the raw body in constant time.
func checkSignature(ch *channels.Channel, r *http.Request, body []byte) error {
	header := r.Header.Get("X-Hub-Signature-256")
	if header == "" {
		return errors.New("missing request signature")
	}
	secret := setting(ch, ConfigAppSecret)
	if secret == "" {
		return errors.New("invalid request signature: the channel has no app secret")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(header), []byte(want)) != 1 {
		return errors.New("invalid request signature")
	}
	return nil
}

// Receive reads a webhook's events for the channel: its signature is checked on the raw body first, then the
// changes of the channel's phone_number_id are read (a payload may carry other numbers' too).
func (handler) Receive(ctx context.Context, ch *channels.Channel, action string, r *http.Request) ([]channels.Received, error) {
	if action != ActionReceive {
		return nil, fmt.Errorf("not found: %s", action)
	}
	if r.Method != http.MethodPost {
		return nil, errors.New("unknown request")
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if err := checkSignature(ch, r, body); err != nil {
		return nil, err
	}
	p, err := parse(body)
	if err != nil {
		return nil, err
	}

	var received []channels.Received
	seen := map[string]bool{}
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			v := &c.Value
			if v.Metadata.PhoneNumberID != ch.Address {
				continue
			}
			names := map[string]string{}
			for _, ct := range v.Contacts {
				names[ct.WaID] = ct.Profile.Name
			}
			for i := range v.Messages {
				m := &v.Messages[i]
				if m.GroupID != "" || m.From == "" || (m.ID != "" && seen[m.ID]) {
					continue // group messages aren't a contact's; a message twice in one request is once
				}
				msg, err := readMessage(m)
				if err != nil {
					return nil, err
				}
				if msg == nil {
					continue // a type flowsd doesn't take (reactions, stickers, …), dropped as courier drops it
				}
				seen[m.ID] = true
				urn, err := urns.New(urns.WhatsApp, m.From)
				if err != nil {
					return nil, fmt.Errorf("invalid whatsapp id: %s", m.From)
				}
				msg.URN, msg.Name, msg.ExternalID = urn.Normalize(), names[m.From], m.ID
				received = append(received, channels.Received{Msg: msg})
			}
			for _, s := range v.Statuses {
				st, known := statuses[s.Status]
				if !known || s.ID == "" {
					continue // deleted, or a word Meta added since: nothing to record
				}
				rs := &channels.ReceivedStatus{ExternalID: s.ID, Status: st}
				for _, e := range s.Errors {
					rs.Errors = append(rs.Errors, channels.SendError{Code: codeExternal, ExtCode: strconv.Itoa(e.Code), Message: e.Title})
				}
				received = append(received, channels.Received{Status: rs})
			}
		}
	}
	return received, nil
}

// readMessage reads one message's content and time; nil for a type that isn't taken.
func readMessage(m *message) (*channels.ReceivedMsg, error) {
	msg := &channels.ReceivedMsg{}
	if m.Timestamp != "" {
		ts, err := strconv.ParseInt(m.Timestamp, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid timestamp: %s", m.Timestamp)
		}
		if ts >= 1e12 {
			msg.ReceivedOn = time.UnixMilli(ts).UTC()
		} else {
			msg.ReceivedOn = time.Unix(ts, 0).UTC()
		}
	}
	withMedia := func(md *media) *channels.ReceivedMsg {
		if md == nil {
			return nil
		}
		msg.Text = md.Caption
		if md.ID != "" {
			msg.Media = []channels.MediaRef{{ID: md.ID, MimeType: md.MimeType, Filename: md.Filename}}
		}
		return msg
	}
	switch m.Type {
	case "text":
		msg.Text = m.Text.Body
	case "image":
		return withMedia(m.Image), nil
	case "video":
		return withMedia(m.Video), nil
	case "audio":
		return withMedia(m.Audio), nil
	case "voice":
		return withMedia(m.Voice), nil
	case "document":
		return withMedia(m.Document), nil
	case "location":
		if m.Location == nil {
			return nil, nil
		}
		msg.Attachments = []string{fmt.Sprintf("geo:%f,%f", m.Location.Latitude, m.Location.Longitude)}
	case "button":
		if m.Button == nil {
			return nil, nil
		}
		msg.Text = m.Button.Text
	case "interactive":
		if m.Interactive == nil {
			return nil, nil
		}
		switch m.Interactive.Type {
		case "button_reply":
			msg.Text = m.Interactive.ButtonReply.Title
		case "list_reply":
			msg.Text = m.Interactive.ListReply.Title
		case "nfm_reply":
			msg.Text = m.Interactive.NFMReply.Body
			var obj map[string]any
			if raw := m.Interactive.NFMReply.ResponseJSON; json.Unmarshal([]byte(raw), &obj) == nil && obj != nil {
				msg.Payload = json.RawMessage(raw)
			}
		default:
			return nil, nil
		}
	default:
		return nil, nil
	}
	return msg, nil
}

// Respond answers courier's 200 {"message": "Events Handled", "data": […]}.
func (handler) Respond(w http.ResponseWriter, ch *channels.Channel, action string, h *channels.Handled) error {
	data := []any{}
	msg := 0
	for i, r := range h.Received {
		chUUID := ch.UUID
		if i < len(h.ChannelUUIDs) && h.ChannelUUIDs[i] != "" {
			chUUID = h.ChannelUUIDs[i]
		}
		switch {
		case r.Msg != nil:
			on := r.Msg.ReceivedOn
			if on.IsZero() {
				on = h.At
			}
			d := channels.MsgData{Type: "msg", ChannelUUID: chUUID, Text: r.Msg.Text, URN: string(r.Msg.URN), Attachments: r.Msg.Attachments,
				ExternalID: r.Msg.ExternalID, ReceivedOn: channels.FormatTime(on)}
			if msg < len(h.MsgUUIDs) {
				d.MsgUUID = h.MsgUUIDs[msg]
			}
			msg++
			data = append(data, d)
		case r.Status != nil:
			data = append(data, channels.StatusData{Type: "status", ChannelUUID: chUUID, Status: channels.StatusLetter(r.Status.Status), ExternalID: r.Status.ExternalID})
		}
	}
	return channels.WriteJSON(w, http.StatusOK, "Events Handled", data...)
}

// Secrets are the tokens and the app secret, the channel's and the server's.
func (handler) Secrets(ch *channels.Channel) []string {
	var secrets []string
	for _, cfg := range []channels.Config{ch.Config, ch.Defaults} {
		for _, k := range secretKeys {
			if v := cfg.String(k, ""); v != "" && !slices.Contains(secrets, v) {
				secrets = append(secrets, v)
			}
		}
	}
	return secrets
}

// FetchMedia finds a media id's URL through the Graph API and opens it, both with the access token.
func (handler) FetchMedia(ctx context.Context, ch *channels.Channel, ref channels.MediaRef, client *http.Client) (string, io.ReadCloser, error) {
	token := accessToken(ch)
	if token == "" {
		return "", nil, errors.New("no access token")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, graphBase(ch)+"/"+ref.ID, nil)
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("looking up media %s: %w", ref.ID, err)
	}
	var found struct {
		URL      string `json:"url"`
		MimeType string `json:"mime_type"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&found)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 || err != nil || found.URL == "" {
		return "", nil, fmt.Errorf("looking up media %s: status %d, no URL", ref.ID, resp.StatusCode)
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, found.URL, nil)
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = client.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("downloading media %s: %w", ref.ID, err)
	}
	if resp.StatusCode/100 != 2 {
		resp.Body.Close()
		return "", nil, fmt.Errorf("downloading media %s: status %d", ref.ID, resp.StatusCode)
	}
	contentType := ref.MimeType
	if contentType == "" {
		contentType = found.MimeType
	}
	if contentType == "" {
		contentType = resp.Header.Get("Content-Type")
	}
	return contentType, resp.Body, nil
}
