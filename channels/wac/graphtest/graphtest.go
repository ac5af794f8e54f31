// Package graphtest is a stand-in for Meta's Graph API on loopback, for tests of the WAC channel type: it
// records every request, answers sends with message ids (or the errors a test asks for), serves media by id,
// and builds and signs the webhooks Meta would post.
package graphtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Version is the Graph version the server answers on.
const Version = "v25.0"

// Request is a request the server got.
type Request struct {
	Method        string
	Path          string
	Authorization string
	Body          string
}

// Failure is an answer the next send gets instead of a message id.
type Failure struct {
	Status  int // HTTP status, 400 when 0
	Code    int // Meta's error code; 0 writes no error object
	Message string
}

type mediaFile struct {
	contentType string
	body        []byte
}

// Server is the fake Graph API.
type Server struct {
	*httptest.Server
	Token string // the access token it takes; others are refused with Meta's 190

	mu       sync.Mutex
	requests []Request
	failures []Failure
	media    map[string]mediaFile
	sent     int
	// listings served at /{waba}/message_templates and /{waba}/flows, PageSize items a page
	templates map[string][]any
	flows     map[string][]any
	PageSize  int
	// the JSON of WhatsApp Flows by flow id: /{flow id}/assets names its download URL, /flowjson/{flow id},
	// which Meta serves from its CDN with the URL signed, so with no token
	flowJSON map[string]any
}

// New starts a server taking token; Close stops it.
func New(token string) *Server {
	s := &Server{Token: token, media: map[string]mediaFile{}, templates: map[string][]any{}, flows: map[string][]any{},
		flowJSON: map[string]any{}, PageSize: 255}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// FailNext makes the next sends fail, one failure each, in order.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, f...)
}

// AddMedia serves a file as the media id.
func (s *Server) AddMedia(id, contentType string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id] = mediaFile{contentType, body}
}

// Requests are the requests so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Sends are the bodies of the message sends so far, in order.
func (s *Server) Sends() []string {
	var out []string
	for _, r := range s.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/messages") {
			out = append(out, r.Body)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func graphError(code int, message string) map[string]any {
	return map[string]any{"error": map[string]any{"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Afake"}}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.RequestURI(), Authorization: r.Header.Get("Authorization"), Body: string(body)})
	s.mu.Unlock()

	if id, ok := strings.CutPrefix(r.URL.Path, "/flowjson/"); ok && r.Method == http.MethodGet {
		s.mu.Lock()
		doc, found := s.flowJSON[id]
		s.mu.Unlock()
		if !found {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, http.StatusOK, doc)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		writeJSON(w, http.StatusUnauthorized, graphError(190, "Invalid OAuth access token."))
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 3 && parts[0] == Version && parts[2] == "messages" && r.Method == http.MethodPost:
		s.send(w, body)
	case len(parts) == 3 && parts[0] == Version && (parts[2] == "message_templates" || parts[2] == "flows") && r.Method == http.MethodGet:
		s.list(w, r, parts[1], parts[2])
	case len(parts) == 3 && parts[0] == Version && parts[2] == "assets" && r.Method == http.MethodGet:
		s.mu.Lock()
		_, found := s.flowJSON[parts[1]]
		s.mu.Unlock()
		data := []any{}
		if found {
			data = append(data, map[string]any{"name": "flow.json", "asset_type": "FLOW_JSON", "download_url": s.URL + "/flowjson/" + parts[1]})
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": data, "paging": map[string]any{"cursors": map[string]any{"before": "0", "after": "0"}}})
	case len(parts) == 2 && parts[0] == Version && r.Method == http.MethodGet:
		s.mu.Lock()
		m, ok := s.media[parts[1]]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusNotFound, graphError(100, "Unsupported get request."))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"url": s.URL + "/lookaside/" + parts[1], "mime_type": m.contentType,
			"file_size": len(m.body), "id": parts[1], "messaging_product": "whatsapp"})
	case len(parts) == 2 && parts[0] == "lookaside" && r.Method == http.MethodGet:
		s.mu.Lock()
		m, ok := s.media[parts[1]]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", m.contentType)
		w.Write(m.body)
	default:
		writeJSON(w, http.StatusBadRequest, graphError(100, "Unknown path components: "+r.URL.Path))
	}
}

func (s *Server) send(w http.ResponseWriter, body []byte) {
	var p struct {
		To string `json:"to"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.To == "" {
		writeJSON(w, http.StatusBadRequest, graphError(100, "Invalid parameter"))
		return
	}
	s.mu.Lock()
	var f *Failure
	if len(s.failures) > 0 {
		f = &s.failures[0]
		s.failures = s.failures[1:]
	} else {
		s.sent++
	}
	n := s.sent
	s.mu.Unlock()
	if f != nil {
		status := f.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		if f.Code == 0 {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, graphError(f.Code, f.Message))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"messaging_product": "whatsapp", "contacts": []any{map[string]any{"input": p.To, "wa_id": p.To}},
		"messages": []any{map[string]any{"id": MessageID(n)}}})
}

// MessageID is the id the server gives the n-th (from 1) message it takes.
func MessageID(n int) string { return fmt.Sprintf("wamid.fake%06d", n) }

// Sign is the X-Hub-Signature-256 of a body under an app secret.
func Sign(body []byte, appSecret string) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// WebhookRequest is Meta's POST of a webhook body to url with a signature header (none when signature is "";
// Sign makes the right one).
func WebhookRequest(url string, body []byte, signature string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	return req, nil
}

// Webhook builds Meta's webhook payload for one phone number's change: contacts, messages and statuses given
// as JSON-able values.
func Webhook(phoneNumberID string, contacts, messages, statuses []any) []byte {
	value := map[string]any{"messaging_product": "whatsapp",
		"metadata": map[string]any{"display_phone_number": "+250 788 123 200", "phone_number_id": phoneNumberID}}
	if contacts != nil {
		value["contacts"] = contacts
	}
	if messages != nil {
		value["messages"] = messages
	}
	if statuses != nil {
		value["statuses"] = statuses
	}
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account",
		"entry": []any{map[string]any{"id": "waba1", "changes": []any{map[string]any{"field": "messages", "value": value}}}}})
	return b
}

// Contact is a webhook contact entry.
func Contact(waID, name string) any {
	return map[string]any{"profile": map[string]any{"name": name}, "wa_id": waID}
}

// Text is a webhook text message.
func Text(from, id, timestamp, text string) any {
	return map[string]any{"from": from, "id": id, "timestamp": timestamp, "type": "text", "text": map[string]any{"body": text}}
}

// Media is a webhook media message of a type (image, document, …).
func Media(from, id, timestamp, typ, mediaID, mimeType, caption string) any {
	return map[string]any{"from": from, "id": id, "timestamp": timestamp, "type": typ,
		typ: map[string]any{"id": mediaID, "mime_type": mimeType, "sha256": "x", "caption": caption}}
}

// Status is a webhook status entry.
func Status(id, status, timestamp string) any {
	return map[string]any{"id": id, "recipient_id": "5678", "status": status, "timestamp": timestamp}
}

// SetTemplates makes the items the WABA's message_templates listing.
func (s *Server) SetTemplates(wabaID string, items ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.templates[wabaID] = items
}

// SetFlows makes the items the WABA's flows listing.
func (s *Server) SetFlows(wabaID string, items ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flows[wabaID] = items
}

// SetFlowJSON makes doc the JSON of a WhatsApp Flow (its screens and their data), served as the flow's asset.
func (s *Server) SetFlowJSON(flowID string, doc any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flowJSON[flowID] = doc
}

// list serves a page of a listing, the next page's URL under paging.next as Meta does; a queued failure is
// answered instead.
func (s *Server) list(w http.ResponseWriter, r *http.Request, wabaID, what string) {
	s.mu.Lock()
	items := s.templates[wabaID]
	if what == "flows" {
		items = s.flows[wabaID]
	}
	var f *Failure
	if len(s.failures) > 0 {
		f = &s.failures[0]
		s.failures = s.failures[1:]
	}
	size := s.PageSize
	s.mu.Unlock()
	if f != nil {
		status := f.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		writeJSON(w, status, graphError(f.Code, f.Message))
		return
	}
	start := 0
	fmt.Sscan(r.URL.Query().Get("after"), &start)
	if start > len(items) {
		start = len(items)
	}
	end := min(start+size, len(items))
	page := map[string]any{"data": append([]any{}, items[start:end]...)}
	paging := map[string]any{"cursors": map[string]any{"before": fmt.Sprint(start), "after": fmt.Sprint(end)}}
	if end < len(items) {
		q := r.URL.Query()
		q.Set("after", fmt.Sprint(end))
		paging["next"] = s.URL + r.URL.Path + "?" + q.Encode()
	}
	page["paging"] = paging
	writeJSON(w, http.StatusOK, page)
}
