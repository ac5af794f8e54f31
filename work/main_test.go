package work_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// logBuffer is a slog text handler's output, safe to read while goroutines still log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines are the log lines containing all of the given parts.
func (b *logBuffer) lines(parts ...string) []string {
	var out []string
	for line := range strings.Lines(b.String()) {
		if containsAll(line, parts) {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func newLog() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// long is how long a test waits for something that must happen: generous, so a loaded machine doesn't flake.
const long = 10 * time.Second

// quiet is how long a test watches for something that must not happen. A correct implementation never does
// it however long we watch, so this can't make a correct one fail; it only bounds how hard we look.
const quiet = 50 * time.Millisecond

// receive waits for a value on c, failing the test after long.
func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(long):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// none checks that nothing arrives on c for a while.
func none[T any](t *testing.T, c <-chan T, what string) {
	t.Helper()
	select {
	case <-c:
		t.Fatalf("unexpected %s", what)
	case <-time.After(quiet):
	}
}
