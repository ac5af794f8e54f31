package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flowsd/flowsd/channels"
	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/httpx"
	"github.com/nyaruka/gocommon/urns"
)

// maxRequestBytes bounds what a gateway may send in one request, as courier does (its forms are read up to 10
// MB: Go's own bound on urlencoded bodies, and what courier's EX reads of a multipart one). A longer body is a
// 400 and writes nothing.
const maxRequestBytes = 10 << 20

// MaxTextLength bounds the text of a message a gateway hands in, in characters. Courier has no bound of its own
// beyond the request's size, but a text of megabytes would be stored, shown to the flow engine and copied into
// the contact's session at every step, so flowsd refuses one longer than this with a 400 (writing nothing):
// far above the longest message any channel carries (a 255-part concatenated SMS is under 40,000 characters,
// WhatsApp's and Telegram's are 4,096).
const MaxTextLength = 65536

// how much of a request's body and of our answer a channel log keeps (httpx's log trims them further)
const maxLoggedBytes = 64 << 10

// channel UUIDs in paths are lower case only, as courier routes them
var channelPath = regexp.MustCompile(`^/c/([a-z0-9]+)/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/([a-z]+)$`)

// ServeHTTP answers a gateway's request to /c/<type>/<channel uuid>/<action>, as courier does: what it tells is
// read by the channel's type, then handled (a message goes to the contact's flows, a status to the message, an
// event to the contact), then answered in the type's words. A request that can't be read, for an unknown
// channel, or of a channel of another type, is a 400 and writes nothing but, for a known channel, the channel's
// log of it. Every request of a known channel is logged, its secrets redacted.
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

	// what the gateway sent and what it was answered, for the channel's log
	head, _ := httputil.DumpRequest(r, false)
	body := &capture{limit: maxLoggedBytes}
	r.Body = &teeBody{ReadCloser: r.Body, to: body}
	rec := &recorder{ResponseWriter: w, body: capture{limit: maxLoggedBytes}}
	logIt := func(logType string, errs []error) {
		g.logRequest(ctx, row, h, ch, logType, r, append(head, body.buf...), rec, errs, started)
	}

	received, err := h.Receive(ctx, ch, m[3], r)
	if err == nil {
		err = checkReceived(received)
	}
	if err != nil {
		errs := []error{err}
		var many interface{ Errors() []error }
		if errors.As(err, &many) {
			errs = many.Errors()
		}
		channels.WriteError(rec, http.StatusBadRequest, errs...)
		logIt(logTypeOf(received, m[3]), errs)
		return
	}
	handled, err := g.handle(ctx, row, received)
	if err != nil {
		g.fail(rec, r, err)
		logIt(logTypeOf(received, m[3]), []error{err})
		return
	}
	if err := h.Respond(rec, ch, m[3], handled); err != nil {
		g.log.Warn("answering a gateway", "channel", ch.UUID, "error", err)
	}
	http.NewResponseController(rec).Flush() // the gateway has its answer; the log is ours
	logIt(logTypeOf(received, m[3]), nil)
}

// checkReceived refuses what flowsd won't store, whatever the type: texts longer than MaxTextLength.
func checkReceived(received []channels.Received) error {
	for _, rec := range received {
		if rec.Msg != nil && utf8.RuneCountInString(rec.Msg.Text) > MaxTextLength {
			return fmt.Errorf("text too long: a message may have at most %d characters", MaxTextLength)
		}
	}
	return nil
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
			ev, err := g.store.AddChannelEvent(ctx, ws, ch, urnSpec(rec.Event.URN), string(rec.Event.Type), extra, rec.Event.OccurredOn)
			if err != nil {
				return nil, err
			}
			if ev.EventType == models.EventStopContact {
				// the stop ended the flow the contact was waiting in; a message of theirs being handled as it
				// came (which holds the contact's lock) may have started or resumed one meanwhile: once the
				// lock is ours, that one ends too, so that a stopped contact is in no flow
				if err := g.flows.Interrupt(ctx, ws, []int64{ev.ContactID}); err != nil {
					return nil, err
				}
			}
		}
	}
	return handled, nil
}

func urnSpec(u urns.URN) models.URNSpec { return models.URNSpecFor(u) }

// logTypeOf is the type of the log of a request: what it told, or for a request that told nothing readable,
// what its action usually tells.
func logTypeOf(received []channels.Received, action string) string {
	for _, r := range received {
		switch {
		case r.Status != nil:
			return models.LogMsgStatus
		case r.Event != nil:
			return models.LogEventReceive
		}
	}
	if len(received) == 0 {
		if t, ok := actionLogTypes[action]; ok {
			return t
		}
	}
	return models.LogMsgReceive
}

// actionLogTypes are the log types of the actions that aren't incoming messages.
var actionLogTypes = map[string]string{
	"sent": models.LogMsgStatus, "delivered": models.LogMsgStatus, "failed": models.LogMsgStatus, "read": models.LogMsgStatus,
	"status": models.LogMsgStatus, "stopped": models.LogEventReceive,
}

// logRequest keeps a log of a gateway's request and our answer, its secrets redacted, with the errors that made
// it a 400 or a 500.
func (g *Gateway) logRequest(ctx context.Context, ch *models.Channel, h channels.Handler, cv *channels.Channel, logType string, r *http.Request,
	request []byte, rec *recorder, errs []error, started time.Time) {
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	if r.TLS != nil {
		u.Scheme = "https"
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	var head strings.Builder
	fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	rec.Header().Write(&head)
	head.WriteString("\r\n")
	ended := time.Now()
	trace := &httpx.Trace{Request: &http.Request{Method: r.Method, URL: &u}, RequestTrace: request, Response: &http.Response{StatusCode: status},
		ResponseTrace: []byte(head.String()), ResponseBody: rec.body.buf, StartTime: started, EndTime: ended}
	logErrors := make([]channels.SendError, len(errs))
	for i, err := range errs {
		logErrors[i] = channels.SendError{Message: err.Error()}
	}
	redact := redactor(h, cv)
	for i := range logErrors {
		logErrors[i].Message = redact(logErrors[i].Message)
	}
	log := &models.ChannelLog{UUID: g.store.NewUUID(), ChannelID: ch.ID, LogType: logType, HTTPLogs: httpLogs([]*httpx.Trace{trace}, redact),
		Errors: jsonList(logErrors), ElapsedMS: int(ended.Sub(started) / time.Millisecond), CreatedOn: g.store.Now().UTC()}
	if err := g.store.Write(ctx, func(tx *models.Tx) error { return tx.AddChannelLogs([]*models.ChannelLog{log}) }); err != nil {
		g.log.Warn("writing a channel log", "channel", ch.UUID, "error", err)
	}
}

// capture keeps the first limit bytes written to it.
type capture struct {
	buf   []byte
	limit int
}

func (c *capture) Write(p []byte) (int, error) {
	if room := c.limit - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

// teeBody is a request body that keeps what is read of it.
type teeBody struct {
	io.ReadCloser
	to *capture
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	t.to.Write(p[:n])
	return n, err
}

// recorder is the response writer of a gateway's request that keeps the status and the start of the body.
type recorder struct {
	http.ResponseWriter
	status int
	body   capture
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

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
