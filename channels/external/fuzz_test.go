package external_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/flowsd/flowsd/channels"
	. "github.com/flowsd/flowsd/channels/channeltest"
)

// fuzzChannels are the channels the fuzzer's requests go to: by default, with named fields, reading XML, in
// other schemes, answering a body of its own.
var fuzzChannels = []ChannelSpec{
	{},
	{Country: "US", Config: channels.Config{"mo_from_field": "msisdn", "mo_text_field": "msg", "mo_date_field": "ts"}},
	{Config: channels.Config{"from_xpath": "//source", "text_xpath": "//content"}},
	{Config: channels.Config{"from_xpath": "/Envelope/Body/m/@from", "text_xpath": "//m/t/text()"}},
	{Country: "GM", Schemes: []string{"ext"}},
	{Schemes: []string{"telegram", "tel"}},
	{Config: channels.Config{"mo_response": "<ok/>", "mo_response_content_type": "text/xml"}},
}

// FuzzExternalReceive sends requests of any method, query, content type and body to every action of EX
// channels: the answer is a 200 or a 400 (courier's JSON unless the channel has an answer of its own), and
// whatever is read is something flowsd can store: valid, normalized URNs, statuses naming a message.
func FuzzExternalReceive(f *testing.F) {
	for _, seed := range []struct {
		action, query, contentType, body string
	}{
		{"receive", "from=%2B2349067554729&text=Join&date=2017-06-23T12:30:00.5Z", "", ""},
		{"receive", "sender=2349067554729&text=x&time=2017-06-23T12:30:00Z", "", ""},
		{"receive", "msisdn=0788123123&msg=hi&ts=bad", "", ""},
		{"receive", "", "application/x-www-form-urlencoded", "from=%2B250788123123&text=hello+world"},
		{"receive", "", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\n+250788123123\r\n--b--\r\n"},
		{"receive", "", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\n"},
		{"receive", "", "text/xml", "<Envelope><Body><m from=\"+250788123123\"><t>hi</t></m></Body><source>+2349067554729</source><content>Join</content></Envelope>"},
		{"receive", "", "text/xml", "<a><source>1</source><content><![CDATA[x]]></content>"},
		{"receive", "", "application/xml", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"e\">]><x>&e;</x>"},
		{"receive", "from=abc&text=%ff", "", ""}, {"receive", "from=%zz", "", ""}, {"receive", "from=" + url.QueryEscape("tel:+1 (555)"), "", ""},
		{"sent", "id=12345", "", ""}, {"delivered", "uuid=0191e180-7d60-7000-aded-7d8b151cbd5b", "", ""},
		{"failed", "id=0191e180-7d60-7000-aded-7d8b151cbd5b&uuid=x", "application/x-www-form-urlencoded", "uuid=0191e180-7d60-7000-aded-7d8b151cbd5b"},
		{"stopped", "from=%2B2349067554729", "", ""}, {"stopped", "", "multipart/form-data", "--x"}, {"nosuch", "", "", ""},
	} {
		f.Add(seed.action, true, seed.query, seed.contentType, []byte(seed.body), uint8(0))
		f.Add(seed.action, false, seed.query, seed.contentType, []byte(seed.body), uint8(2))
		f.Add(seed.action, true, seed.query, seed.contentType, []byte(seed.body), uint8(3))
	}
	h := channels.Get("ex")

	f.Fuzz(func(t *testing.T, action string, post bool, query, contentType string, body []byte, channel uint8) {
		spec := fuzzChannels[int(channel)%len(fuzzChannels)]
		ch := NewChannel(h, spec.Country, spec.Config)
		if spec.Schemes != nil {
			ch.Schemes = spec.Schemes
		}
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		target := Path(h, url.PathEscape(action))
		req := httptest.NewRequest(method, target, bytes.NewReader(body))
		req.URL.RawQuery = query // as the server hands it on, however malformed
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}

		resp, received, err := Answer(h, ch, action, req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		want := []int{http.StatusOK, http.StatusBadRequest}
		if !known(action, h.Actions()) {
			want = []int{http.StatusNotFound}
		}
		if resp.StatusCode != want[0] && (len(want) == 1 || resp.StatusCode != want[1]) {
			t.Fatalf("%s %s (%s) %q: status %d, want one of %v: %s", method, target, contentType, body, resp.StatusCode, want, answer)
		}
		ownAnswer := action == "receive" && resp.StatusCode == http.StatusOK && ch.Config.String("mo_response", "") != ""
		if !ownAnswer && !json.Valid(answer) {
			t.Fatalf("%s %s %q: answer isn't JSON: %q", method, target, body, answer)
		}
		if resp.StatusCode != http.StatusOK && received != nil {
			t.Fatalf("%s %s %q: refused, yet read %s", method, target, body, FormatReceived(received))
		}
		CheckStorable(t, received)
	})
}

func known(action string, actions []string) bool {
	for _, a := range actions {
		if a == action {
			return true
		}
	}
	return false
}
