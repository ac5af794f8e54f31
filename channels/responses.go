package channels

import (
	"encoding/json"
	"net/http"
	"time"
)

// courier's answers, the same for every type: {"message": …, "data": [ … ]} in JSON.

type response struct {
	Message string `json:"message"`
	Data    []any  `json:"data"`
}

type errorData struct {
	Type  string `json:"type"`
	Error string `json:"error"`
}

// WriteJSON writes a courier answer.
func WriteJSON(w http.ResponseWriter, status int, message string, data ...any) error {
	if data == nil {
		data = []any{}
	}
	b, err := json.Marshal(response{Message: message, Data: data})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// WriteError writes courier's 400 for a request it can't take: each error one entry.
func WriteError(w http.ResponseWriter, status int, errs ...error) error {
	data := make([]any, len(errs))
	for i, e := range errs {
		data[i] = errorData{Type: "error", Error: e.Error()}
	}
	return WriteJSON(w, status, "Error", data...)
}

// MsgData is what courier says of a message it accepted.
type MsgData struct {
	Type        string   `json:"type"`
	ChannelUUID string   `json:"channel_uuid"`
	MsgUUID     string   `json:"msg_uuid"`
	Text        string   `json:"text"`
	URN         string   `json:"urn"`
	Attachments []string `json:"attachments,omitempty"`
	ExternalID  string   `json:"external_id,omitempty"`
	ReceivedOn  string   `json:"received_on"`
}

// StatusData is what courier says of a status it accepted.
type StatusData struct {
	Type        string `json:"type"`
	ChannelUUID string `json:"channel_uuid"`
	Status      string `json:"status"`
	ExternalID  string `json:"external_id,omitempty"` // the gateway's id of the message, for types that name messages by it
}

// EventData is what courier says of an event it accepted.
type EventData struct {
	Type        string `json:"type"`
	ChannelUUID string `json:"channel_uuid"`
	EventType   string `json:"event_type"`
	URN         string `json:"urn"`
	ReceivedOn  string `json:"received_on"`
}

// statusLetters are courier's letters of the statuses gateways report.
var statusLetters = map[MsgStatus]string{
	StatusWired: "W", StatusSent: "S", StatusDelivered: "D", StatusRead: "R", StatusErrored: "E", StatusFailed: "F",
}

// StatusLetter is courier's letter of a status ("D" for delivered).
func StatusLetter(s MsgStatus) string { return statusLetters[s] }

// FormatTime is how courier writes times in its answers (RFC 3339, nanoseconds as needed, UTC).
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// WriteHandled writes courier's usual answer to what a request said: "Message Accepted", "Status Update
// Accepted" or "Event Accepted", with an entry for each.
func WriteHandled(w http.ResponseWriter, ch *Channel, h *Handled) error {
	var data []any
	message := "Message Accepted"
	msg := 0
	for _, r := range h.Received {
		switch {
		case r.Msg != nil:
			on := r.Msg.ReceivedOn
			if on.IsZero() {
				on = h.At
			}
			d := MsgData{Type: "msg", ChannelUUID: ch.UUID, Text: r.Msg.Text, URN: string(r.Msg.URN), Attachments: r.Msg.Attachments,
				ExternalID: r.Msg.ExternalID, ReceivedOn: FormatTime(on)}
			if msg < len(h.MsgUUIDs) {
				d.MsgUUID = h.MsgUUIDs[msg]
			}
			msg++
			data = append(data, d)
		case r.Status != nil:
			message = "Status Update Accepted"
			data = append(data, StatusData{Type: "status", ChannelUUID: ch.UUID, Status: statusLetters[r.Status.Status]})
		case r.Event != nil:
			message = "Event Accepted"
			on := r.Event.OccurredOn
			if on.IsZero() {
				on = h.At
			}
			data = append(data, EventData{Type: "event", ChannelUUID: ch.UUID, EventType: string(r.Event.Type), URN: string(r.Event.URN),
				ReceivedOn: FormatTime(on)})
		}
	}
	return WriteJSON(w, http.StatusOK, message, data...)
}
