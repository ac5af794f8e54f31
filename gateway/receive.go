package gateway

import (
	"bytes"
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

// routedPath is /c/<type>/<action> of the types that are channels.Router (one URL for all their channels)
var routedPath = regexp.MustCompile(`^/c/([a-z0-9]+)/([a-z]+)$`)

// maxRoutedBytes bounds the body of a request to a Router type's shared URL, which is read before its channel
// is known: Meta's webhooks are at most 1 MiB, as courier reads them.
const maxRoutedBytes = 1 << 20

// ServeHTTP answers a gateway's request to /c/<type>/<channel uuid>/<action>, as courier does: what it tells is
// read by the channel's type, then handled (a message goes to the contact's flows, a status to the message, an
// event to the contact), then answered in the type's words. A request that can't be read, for an unknown
// channel, or of a channel of another type, is a 400 (or the type's ErrorStatus) and writes nothing but, for a
// known channel, the channel's log of it. Every request of a known channel is logged, its secrets redacted.
// A type that is a channels.Router is also served at /c/<type>/<action>: the type reads from the request which
// channels (by address) it is for, and each of them gets what is for it.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	var h channels.Handler
	var uuid, action string
	if m := channelPath.FindStringSubmatch(path); m != nil {
		h, uuid, action = channels.Get(m[1]), m[2], m[3]
	} else if m := routedPath.FindStringSubmatch(path); m != nil {
		if h = channels.Get(m[1]); h != nil {
			if _, routes := h.(channels.Router); !routes {
				h = nil
			}
		}
		action = m[2]
	}
	if h != nil && !slices.Contains(h.Actions(), action) {
		h = nil
	}
	if h == nil {
		channels.WriteJSON(w, http.StatusNotFound, "Not Found", errorEntry("not found: "+r.URL.String()))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		channels.WriteJSON(w, http.StatusMethodNotAllowed, "Method Not Allowed", errorEntry("method not allowed: "+r.Method))
		return
	}
	ctx := r.Context()
	if uuid == "" {
		g.serveRouted(w, r, h, action)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
	row, err := g.store.ChannelByUUID(ctx, uuid)
	if models.IsNotFound(err) {
		channels.WriteError(w, errorStatus(h), errors.New("channel not found"))
		return
	} else if err != nil {
		g.fail(w, r, err)
		return
	}
	if !strings.EqualFold(row.ChannelType, h.Code()) {
		channels.WriteError(w, errorStatus(h), errors.New("channel type wrong"))
		return
	}
	g.serve(w, r, h, action, []*models.Channel{row}, nil)
}

// errorStatus is the status of a type's answers to requests it can't take: courier's 400 unless the type says.
func errorStatus(h channels.Handler) int {
	if es, ok := h.(channels.ErrorStatuser); ok {
		return es.ErrorStatus()
	}
	return http.StatusBadRequest
}

// serveRouted answers a request to a Router type's shared URL: its body is read whole (at most maxRoutedBytes),
// the type says which channels it is for, and those are served. A request for no channel (a webhook's
// verification) is checked against the server's settings of the type.
func (g *Gateway) serveRouted(w http.ResponseWriter, r *http.Request, h channels.Handler, action string) {
	ctx := r.Context()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRoutedBytes+1))
	if err != nil {
		channels.WriteError(w, errorStatus(h), fmt.Errorf("unable to read request body: %s", err))
		return
	}
	addresses, err := h.(channels.Router).Route(r, body)
	if err != nil {
		channels.WriteError(w, errorStatus(h), err)
		return
	}
	if len(addresses) == 0 {
		server := &channels.Channel{Type: h.Code(), Config: channels.Config{}, Defaults: g.defaults(h.Code())}
		if v, ok := h.(channels.Verifier); ok {
			if answer, isVerify, err := v.Verify(server, r); isVerify {
				if err != nil {
					channels.WriteError(w, errorStatus(h), err)
				} else {
					writeText(w, answer)
				}
				return
			}
		}
		channels.WriteError(w, errorStatus(h), errors.New("channel not found"))
		return
	}
	var rows []*models.Channel
	for _, address := range addresses {
		row, err := g.store.ChannelByAddress(ctx, h.Code(), address)
		if models.IsNotFound(err) {
			continue // a number of the app that isn't flowsd's: its part of the request is ignored
		} else if err != nil {
			g.fail(w, r, err)
			return
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		channels.WriteError(w, errorStatus(h), errors.New("channel not found"))
		return
	}
	g.serve(w, r, h, action, rows, body)
}

func writeText(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, body)
}

// serve reads, handles and answers a request for channels of a type. body is the request's body when it was
// read already (a routed request, read again by each channel's Receive), nil to read it as it comes. Every
// channel's Receive must take the request before anything is handled: one refusal refuses it all.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, h channels.Handler, action string, rows []*models.Channel, body []byte) {
	ctx := r.Context()
	started := time.Now()
	chs := make([]*channels.Channel, len(rows))
	for i, row := range rows {
		ch, err := g.channelOf(row)
		if err != nil {
			g.fail(w, r, err)
			return
		}
		chs[i] = ch
	}

	// what the gateway sent and what it was answered, for the channels' logs
	head, _ := httputil.DumpRequest(r, false)
	logged := &capture{limit: maxLoggedBytes}
	if body != nil {
		logged.Write(body)
	} else {
		r.Body = &teeBody{ReadCloser: r.Body, to: logged}
	}
	rec := &recorder{ResponseWriter: w, body: capture{limit: maxLoggedBytes}}
	var logTypes []string
	var logNotes [][]error // per channel: what its log says beyond the answer (files not fetched, failed statuses' errors)
	logAll := func(errs []error, upTo int) {
		for i := 0; i < upTo; i++ {
			logType := logTypeOf(nil, action)
			if i < len(logTypes) {
				logType = logTypes[i]
			}
			all := errs
			if i < len(logNotes) {
				all = append(slices.Clone(errs), logNotes[i]...)
			}
			g.logRequest(ctx, rows[i], h, chs[i], logType, r, append(slices.Clone(head), logged.buf...), rec, all, started)
		}
	}

	if v, ok := h.(channels.Verifier); ok && len(chs) == 1 {
		if answer, isVerify, err := v.Verify(chs[0], r); isVerify {
			if err != nil {
				channels.WriteError(rec, errorStatus(h), err)
				logAll([]error{err}, 1)
			} else {
				writeText(rec, answer)
				logAll(nil, 1)
			}
			return
		}
	}

	received := make([][]channels.Received, len(chs))
	for i, ch := range chs {
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		got, err := h.Receive(ctx, ch, action, r)
		if err == nil {
			err = checkReceived(got)
		}
		cleanReceived(got)
		logTypes = append(logTypes, logTypeOf(got, action))
		if err != nil {
			errs := []error{err}
			var many interface{ Errors() []error }
			if errors.As(err, &many) {
				errs = many.Errors()
			}
			channels.WriteError(rec, errorStatus(h), errs...)
			logAll(errs, i+1)
			return
		}
		received[i] = got
	}

	// files the gateway keeps for messages are fetched before anything is written, outside any transaction;
	// what went wrong, and the errors the gateway reports of failed messages, go in the channel's log
	for i, ch := range chs {
		notes := g.fetchMedia(ctx, r, h, rows[i], ch, received[i])
		for _, rec := range received[i] {
			if rec.Status != nil {
				for _, e := range rec.Status.Errors {
					notes = append(notes, loggedError{e})
				}
			}
		}
		logNotes = append(logNotes, notes)
	}

	var all *channels.Handled
	for i, row := range rows {
		handled, err := g.handle(ctx, row, received[i])
		if err != nil {
			g.fail(rec, r, err)
			logAll([]error{err}, len(rows))
			return
		}
		if all == nil {
			all = &channels.Handled{At: handled.At}
		}
		all.Received = append(all.Received, handled.Received...)
		all.MsgUUIDs = append(all.MsgUUIDs, handled.MsgUUIDs...)
		for range handled.Received {
			all.ChannelUUIDs = append(all.ChannelUUIDs, row.UUID)
		}
	}
	if err := h.Respond(rec, chs[0], action, all); err != nil {
		g.log.Warn("answering a gateway", "channel", chs[0].UUID, "error", err)
	}
	http.NewResponseController(rec).Flush() // the gateway has its answer; the logs are ours
	logAll(nil, len(rows))
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

// cleanReceived makes the text a gateway sent storable: invalid UTF-8 becomes U+FFFD and NUL characters go
// (PostgreSQL's text holds neither: they were a 500 there, found while fuzzing the EX webhook).
func cleanReceived(received []channels.Received) {
	clean := func(s *string) { *s = strings.ReplaceAll(strings.ToValidUTF8(*s, "\uFFFD"), "\x00", "") }
	for _, rec := range received {
		switch {
		case rec.Msg != nil:
			clean(&rec.Msg.Text)
			clean(&rec.Msg.Name)
			clean(&rec.Msg.ExternalID)
			for i := range rec.Msg.Attachments {
				clean(&rec.Msg.Attachments[i])
			}
		case rec.Status != nil:
			clean(&rec.Status.MsgUUID)
			clean(&rec.Status.ExternalID)
			for i := range rec.Status.Errors {
				clean(&rec.Status.Errors[i].ExtCode)
				clean(&rec.Status.Errors[i].Message)
			}
		case rec.Event != nil:
			for k, v := range rec.Event.Extra {
				clean(&v)
				rec.Event.Extra[k] = v
			}
		}
	}
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
				Channel: ch, ExternalID: rec.Msg.ExternalID, ReceivedOn: rec.Msg.ReceivedOn, Name: rec.Msg.Name, Payload: rec.Msg.Payload})
			if err != nil {
				return nil, err
			}
			handled.MsgUUIDs = append(handled.MsgUUIDs, msg.UUID)
		case rec.Status != nil:
			// an unknown message, or one of another channel, is ignored, as courier ignores it
			reason := ""
			if len(rec.Status.Errors) > 0 && rec.Status.Status == channels.StatusFailed {
				reason = rec.Status.Errors[0].ExtCode
			}
			if _, err := g.store.RecordMsgStatus(ctx, ch.ID, rec.Status.MsgUUID, rec.Status.ExternalID, models.MsgStatus(rec.Status.Status), reason); err != nil {
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
		var le loggedError
		if errors.As(err, &le) {
			logErrors[i] = le.SendError
		}
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

// loggedError is an error a channel log keeps with its code, as the gateway gave it.
type loggedError struct{ channels.SendError }

func (e loggedError) Error() string { return e.Message }

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
