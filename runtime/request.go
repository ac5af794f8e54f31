package runtime

import "context"

// Request is what the log lines and metrics of one HTTP request share: its id, answered as X-Request-Id, and
// the route that served it (set by whichever handler matched, for metrics' bounded labels).
type Request struct {
	ID    string
	Route string
}

type requestKey struct{}

// WithRequest gives ctx the request r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestOf is the request ctx belongs to, nil outside one.
func RequestOf(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// RequestID is the id of the request ctx belongs to, "" outside one.
func RequestID(ctx context.Context) string {
	if r := RequestOf(ctx); r != nil {
		return r.ID
	}
	return ""
}
