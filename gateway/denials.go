package gateway

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"

	"github.com/flowsd/flowsd/channels"
	"github.com/flowsd/flowsd/netguard"
)

// denials are the connections of one send that the deny list refused: a channel type sees only that its call
// failed to connect, and the channel log should say why.
type denials struct {
	mu   sync.Mutex
	msgs []string // each denial's error, once
}

type denialsKey struct{}

// withDenials gives a send's context somewhere to note its denials.
func withDenials(ctx context.Context) (context.Context, *denials) {
	d := &denials{}
	return context.WithValue(ctx, denialsKey{}, d), d
}

// sendErrors are the denials as a channel log's errors, one per address, with the code of any failed connection.
func (d *denials) sendErrors() []channels.SendError {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []channels.SendError
	for _, msg := range d.msgs {
		errs = append(errs, channels.SendError{Code: channels.ErrorConnectionFailed, Message: msg})
	}
	return errs
}

// noteDenials is a transport noting each call the deny list refused in the denials its request carries.
type noteDenials struct{ inner http.RoundTripper }

func (t noteDenials) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(req)
	var denied *netguard.DeniedError
	if errors.As(err, &denied) {
		if d, ok := req.Context().Value(denialsKey{}).(*denials); ok {
			d.mu.Lock()
			if msg := denied.Error(); !slices.Contains(d.msgs, msg) {
				d.msgs = append(d.msgs, msg)
			}
			d.mu.Unlock()
		}
	}
	return resp, err
}
