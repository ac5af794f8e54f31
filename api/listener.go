package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Listener wraps the server's listener so that the few answers net/http writes itself, before any handler
// runs (a header over the size limit, a header holding a NUL byte or another character HTTP forbids, a
// transfer coding it doesn't know), carry RapidPro's JSON error shape, {"detail": "…"}, rather than Go's
// plain text. Everything a handler answers passes untouched.
func Listener(l net.Listener) net.Listener { return jsonErrorsListener{l} }

type jsonErrorsListener struct{ net.Listener }

func (l jsonErrorsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return jsonErrorsConn{c}, nil
}

type jsonErrorsConn struct{ net.Conn }

// plainErrorHeaders are the headers of every answer net/http writes itself (server.go's errorHeaders): it
// writes each in one call, straight to the connection. A handler's answer always has a Date header between.
const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c jsonErrorsConn) Write(p []byte) (int, error) {
	if answer, ok := jsonError(p); ok {
		if _, err := c.Conn.Write(answer); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// jsonError rewrites one of net/http's own plain-text error answers as a JSON one, false for anything else.
func jsonError(p []byte) ([]byte, bool) {
	rest, isAnswer := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	i := bytes.Index(rest, []byte(plainErrorHeaders))
	if !isAnswer || i < 3 || bytes.Contains(rest[:i], []byte("\r\n")) {
		return nil, false
	}
	code, err := strconv.Atoi(string(rest[:3]))
	if err != nil || code < 400 {
		return nil, false
	}
	// the body is "431 Request Header Fields Too Large", "400 Bad Request: <why>" or the text alone
	text := strings.TrimSpace(strings.TrimPrefix(string(rest[i+len(plainErrorHeaders):]), strconv.Itoa(code)+" "))
	if text == "" {
		text = http.StatusText(code)
	}
	if !strings.HasSuffix(text, ".") {
		text += "."
	}
	body, _ := json.Marshal(detail{text})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		code, http.StatusText(code), len(body), body), true
}
