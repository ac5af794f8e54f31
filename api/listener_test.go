package api_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
)

// TestRawErrorsAreJSON: the requests net/http refuses before any handler runs (a NUL byte in a header, headers
// over the size limit, no Host, an unknown transfer coding) are answered with RapidPro's {"detail": …} shape,
// and a long query string that fits is answered by the API as any other.
func TestRawErrorsAreJSON(t *testing.T) {
	e := newEnv(t, models.SQLite, envOptions{})
	addr := strings.TrimPrefix(e.server.URL, "http://")
	cases := []struct {
		label   string
		request string
		status  int
		detail  string
	}{
		{"a NUL byte in a header", "GET /api/v2/fields.json HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400, "Bad Request."},
		{"headers over the limit", "GET /api/v2/fields.json?a=" + strings.Repeat("x", http.DefaultMaxHeaderBytes+8192) + " HTTP/1.1\r\nHost: x\r\n\r\n", 431, "Request Header Fields Too Large."},
		{"no Host", "GET /api/v2/fields.json HTTP/1.1\r\n\r\n", 400, "Bad Request: missing required Host header."},
		{"an unknown transfer coding", "POST /api/v2/groups.json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: rot13\r\n\r\n", 501, "Unsupported transfer encoding."},
		{"a 200 KB query string that fits", "GET /api/v2/fields.json?a=" + strings.Repeat("x", 200<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", 403, "Authentication credentials were not provided."},
	}
	for _, c := range cases {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		go io.WriteString(conn, c.request) // the server may answer and close before reading it all
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: %v", c.label, err)
		}
		body, err := io.ReadAll(resp.Body)
		conn.Close()
		var got struct{ Detail string }
		if err != nil || resp.StatusCode != c.status || resp.Header.Get("Content-Type") != "application/json" ||
			json.Unmarshal(body, &got) != nil || got.Detail != c.detail {
			t.Errorf("%s: %d %s %q (%v), want %d {\"detail\": %q}", c.label, resp.StatusCode, resp.Header.Get("Content-Type"), body, err, c.status, c.detail)
		}
	}
}
