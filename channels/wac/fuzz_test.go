package wac_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/flowsd/flowsd/channels"
	. "github.com/flowsd/flowsd/channels/channeltest"
	"github.com/flowsd/flowsd/channels/wac/graphtest"
)

// FuzzWACReceive posts any body to a WAC channel's webhook, signed with the channel's app secret or with
// whatever signature the fuzzer makes up, and makes any verification GET: every answer is Meta's 200 with
// courier's JSON (or the challenge), a body whose signature isn't the app secret's is always refused with
// nothing read, a verification answers the challenge only for the verify token, and whatever a signed body
// tells is storable.
func FuzzWACReceive(f *testing.F) {
	text := graphtest.Webhook(phoneID, []any{graphtest.Contact("5678", "Kerry Fisher")},
		[]any{graphtest.Text("5678", "wamid.1", "1454119029", "Hello World")}, nil)
	media := graphtest.Webhook(phoneID, nil, []any{graphtest.Media("5678", "wamid.2", "1454119029123", "image", "m1", "image/jpeg", "cap")}, nil)
	statuses := graphtest.Webhook(phoneID, nil, nil, []any{graphtest.Status("wamid.A", "failed", "1"), graphtest.Status("", "sent", "1")})
	for _, body := range [][]byte{text, media, statuses, graphtest.Webhook("999", nil, nil, nil), []byte(`{"object":"page"}`), []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"1234567890"},"messages":[{"from":"+1 2","type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"response_json":"{\"a\":1}"}}},{"from":"5","type":"location","location":{"latitude":1e308}},{"from":"5","timestamp":"99999999999999999999","type":"text"}]}}]}]}`),
		[]byte(`[]`), []byte(``), []byte(`{`), []byte("\xff")} {
		f.Add(body, true, "", uint8(0), "")
		f.Add(body, false, "sha256=00", uint8(0), "")
		f.Add(body, true, "", uint8(1), "")
	}
	f.Add([]byte{}, false, "", uint8(2), "hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
	f.Add([]byte{}, false, "", uint8(2), "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=x")
	f.Add([]byte{}, false, "", uint8(2), "hub.mode=subscribe&hub.challenge=x")
	f.Add([]byte{}, false, "", uint8(2), "%zz&hub.mode=subscribe")
	h := channels.Get("wac")

	f.Fuzz(func(t *testing.T, body []byte, sign bool, signature string, kind uint8, query string) {
		config := spec.Config
		if kind%3 == 1 {
			config = channels.Config{"access_token": token} // no app secret: nothing can be signed for it
		}
		ch := NewChannel(h, "", config)
		ch.Address = phoneID
		method := http.MethodPost
		if kind%3 == 2 {
			method = http.MethodGet
		}
		req := httptest.NewRequest(method, Path(h, "receive"), bytes.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/json")
		good := graphtest.Sign(body, appSecret)
		if sign {
			signature = good
		}
		if signature != "" {
			req.Header.Set("X-Hub-Signature-256", signature)
		}
		// Route must take any body without panicking; what it says only picks channels
		h.(channels.Router).Route(req, body)

		resp, received, err := Answer(h, ch, "receive", req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, answer)
		}
		if method == http.MethodGet {
			q := req.URL.Query()
			verified := q.Get("hub.mode") == "subscribe" && q.Get("hub.verify_token") == "verify-me"
			if verified != (resp.Header.Get("Content-Type") == "text/plain; charset=utf-8") || verified && string(answer) != q.Get("hub.challenge") {
				t.Fatalf("verification %q answered %q", query, answer)
			}
			return
		}
		var courier struct{ Message string }
		if err := json.Unmarshal(answer, &courier); err != nil {
			t.Fatalf("answer isn't courier's JSON: %q", answer)
		}
		if (signature != good || kind%3 == 1) && (courier.Message != "Error" || received != nil) {
			t.Fatalf("signature %q (want %q) of %q was taken: %s", signature, good, body, answer)
		}
		if courier.Message == "Error" && received != nil {
			t.Fatalf("refused, yet read %s", FormatReceived(received))
		}
		CheckStorable(t, received)
	})
}
