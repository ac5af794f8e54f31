package netguard

import (
	"context"
	"sync"
)

// Note is where the guarded transport notes the denials of the requests whose context carries it: for a caller
// whose client library keeps only that a call failed to connect (goflow's webhook service drops the error).
type Note struct {
	mu     sync.Mutex
	denied *DeniedError
}

type noteKey struct{}

// WithNote gives ctx a Note for the calls made with it.
func WithNote(ctx context.Context) (context.Context, *Note) {
	n := &Note{}
	return context.WithValue(ctx, noteKey{}, n), n
}

// Denied is the last connection the deny list refused for the calls made with the Note's context, or nil.
func (n *Note) Denied() *DeniedError {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.denied
}

// notice notes a denial in the Note ctx carries, if any.
func notice(ctx context.Context, denied *DeniedError) {
	if n, ok := ctx.Value(noteKey{}).(*Note); ok {
		n.mu.Lock()
		n.denied = denied
		n.mu.Unlock()
	}
}
