package api

import (
	"testing"
)

// TestReadUTF8 words bodies that aren't UTF-8 as Python's decoder does (the messages are CPython's).
func TestReadUTF8(t *testing.T) {
	for body, want := range map[string]string{
		"{\"a\":\"\xff\"}":          "JSON parse error - 'utf-8' codec can't decode byte 0xff in position 6: invalid start byte",
		"{\"a\":\"\xe4\xb8x\"}":     "JSON parse error - 'utf-8' codec can't decode bytes in position 6-7: invalid continuation byte",
		"{\"a\":\"\xe4x\"}":         "JSON parse error - 'utf-8' codec can't decode byte 0xe4 in position 6: invalid continuation byte",
		"{\"a\":\"\xed\xa0\x80\"}":  "JSON parse error - 'utf-8' codec can't decode byte 0xed in position 6: invalid continuation byte",
		"{\"a\":\"\xf0\x90\x80x\"}": "JSON parse error - 'utf-8' codec can't decode bytes in position 6-8: invalid continuation byte",
		"\xc0\xaf":                  "JSON parse error - 'utf-8' codec can't decode byte 0xc0 in position 0: invalid start byte",
	} {
		_, err := readUTF8([]byte(body))
		apiErr, ok := err.(*apiError)
		if !ok || apiErr.status != 400 || apiErr.body.(detail).Detail != want {
			t.Errorf("%q: %#v, want %q", body, err, want)
		}
	}
	// valid text passes whole; an incomplete sequence at the very end is dropped, as Python's stream reader keeps it
	for body, want := range map[string]string{"{\"a\":\"é 😀\"}": "{\"a\":\"é 😀\"}", "{\"a\":\"\xe4\xb8": "{\"a\":\""} {
		if got, err := readUTF8([]byte(body)); err != nil || string(got) != want {
			t.Errorf("%q: %q %v, want %q", body, got, err, want)
		}
	}
}
