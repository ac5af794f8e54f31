package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/flowsd/flowsd/channels"
	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/urns"
)

// maxRequestBytes bounds what a gateway may send in one request, as courier does.
const maxRequestBytes = 10 << 20

// channel UUIDs in paths are lower case only, as courier routes them
var channelPath = regexp.MustCompile(`^/c/([a-z0-9]+)/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/([a-z]+)$`)

// ServeHTTP answers a gateway's request to /c/<type>/<channel uuid>/<action>, as courier does: what it tells is
// read by the channel's type, then handled (a message goes to the contact's flows, a status to the message, an
// event to the contact), then answered in the type's words. A request that can't be read, for an unknown
// channel, or of a channel of another type, is a 400 and writes nothing.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	m := channelPath.FindStringSubmatch(path)
	var h channels.Handler
	if m != nil {
		if h = channels.Get(m[1]); h == nil || !slices.Contains(h.Actions(), m[3]) {
			h = nil
		}
	}
	if h == nil {
		channels.WriteJSON(w, http.StatusNotFound, "Not Found", errorEntry("not found: "+r.URL.String()))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		channels.WriteJSON(w, http.StatusMethodNotAllowed, "Method Not Allowed", errorEntry("method not allowed: "+r.Method))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
	ctx := r.Context()
	started := time.Now()

	row, err := g.store.ChannelByUUID(ctx, m[2])
	if models.IsNotFound(err) {
		channels.WriteError(w, http.StatusBadRequest, errors.New("channel not found"))
		return
	} else if err != nil {
		g.fail(w, r, err)
		return
	}
	if !strings.EqualFold(row.ChannelType, h.Code()) {
		channels.WriteError(w, http.StatusBadRequest, errors.New("channel type wrong"))
		return
	}
	ch, err := channelOf(row)
	if err != nil {
		g.fail(w, r, err)
		return
	}
	trace, _ := httputil.DumpRequest(r, false)

	received, err := h.Receive(ctx, ch, m[3], r)
	if err != nil {
		var many interface{ Errors() []error }
		if errors.As(err, &many) {
			channels.WriteError(w, http.StatusBadRequest, many.Errors()...)
		} else {
			channels.WriteError(w, http.StatusBadRequest, err)
		}
		return
	}
	handled, err := g.handle(ctx, row, received)
	if err != nil {
		g.fail(w, r, err)
		return
	}
	if err := h.Respond(w, ch, m[3], handled); err != nil {
		g.log.Warn("answering a gateway", "channel", ch.UUID, "error", err)
	}
	http.NewResponseController(w).Flush() // the gateway has its answer; the log is ours
	g.logRequest(ctx, row, h, ch, logTypeOf(received), string(trace), time.Since(started))
}

// handle does what a gateway's request told: messages go to the contact's flows, statuses to the messages they
// name, events to their contacts.
func (g *Gateway) handle(ctx context.Context, ch *models.Channel, received []channels.Received) (*channels.Handled, error) {
	ws, err := g.store.GetWorkspaceByID(ctx, ch.WorkspaceID)
	if err != nil {
		return nil, err
	}
	handled := &channels.Handled{Received: received, At: g.store.Now().UTC()}
	for _, rec := range received {
		switch {
		case rec.Msg != nil:
			msg, err := g.flows.HandleIncoming(ctx, ws, flows.Incoming{URN: rec.Msg.URN, Text: rec.Msg.Text, Attachments: rec.Msg.Attachments,
				Channel: ch, ExternalID: rec.Msg.ExternalID, ReceivedOn: rec.Msg.ReceivedOn})
			if err != nil {
				return nil, err
			}
			handled.MsgUUIDs = append(handled.MsgUUIDs, msg.UUID)
		case rec.Status != nil:
			// an unknown message, or one of another channel, is ignored, as courier ignores it
			if _, err := g.store.SetMsgStatus(ctx, ch.ID, rec.Status.MsgUUID, rec.Status.ExternalID, models.MsgStatus(rec.Status.Status)); err != nil {
				return nil, err
			}
		case rec.Event != nil:
			extra := "{}"
			if len(rec.Event.Extra) > 0 {
				extra = jsonObject(rec.Event.Extra)
			}
			if _, err := g.store.AddChannelEvent(ctx, ws, ch, urnSpec(rec.Event.URN), string(rec.Event.Type), extra, rec.Event.OccurredOn); err != nil {
				return nil, err
			}
		}
	}
	return handled, nil
}

func urnSpec(u urns.URN) models.URNSpec { return models.URNSpecFor(u) }

func logTypeOf(received []channels.Received) string {
	for _, r := range received {
		switch {
		case r.Status != nil:
			return models.LogMsgStatus
		case r.Event != nil:
			return models.LogEventReceive
		}
	}
	return models.LogMsgReceive
}

// logRequest keeps a log of a gateway's request, its secrets redacted.
func (g *Gateway) logRequest(ctx context.Context, ch *models.Channel, h channels.Handler, cv *channels.Channel, logType, request string, elapsed time.Duration) {
	redact := redactor(h, cv)
	entry := []map[string]any{{"url": redact(request[:min(len(request), 2048)]), "elapsed_ms": int(elapsed / time.Millisecond)}}
	log := &models.ChannelLog{UUID: g.store.NewUUID(), ChannelID: ch.ID, LogType: logType, HTTPLogs: jsonList(entry), Errors: "[]",
		ElapsedMS: int(elapsed / time.Millisecond), CreatedOn: g.store.Now().UTC()}
	if err := g.store.Write(ctx, func(tx *models.Tx) error { return tx.AddChannelLogs([]*models.ChannelLog{log}) }); err != nil {
		g.log.Warn("writing a channel log", "channel", ch.UUID, "error", err)
	}
}

// fail answers a request that couldn't be handled for flowsd's own trouble: logged, and a 500 the gateway will
// retry.
func (g *Gateway) fail(w http.ResponseWriter, r *http.Request, err error) {
	g.log.Error("handling a gateway's request", "path", r.URL.Path, "error", err)
	channels.WriteJSON(w, http.StatusInternalServerError, "Error", errorEntry(fmt.Sprintf("server error: %s", http.StatusText(500))))
}

type errorData struct {
	Type  string `json:"type"`
	Error string `json:"error"`
}

func errorEntry(msg string) errorData { return errorData{Type: "error", Error: msg} }

func jsonObject(m map[string]string) string {
	b := jsonList(m)
	if b == "[]" {
		return "{}"
	}
	return b
}
