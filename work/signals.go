package work

import "sync"

// Kind is a kind of background work; a signal of a kind wakes that kind's workers in this process.
type Kind string

// Signals are this process's wake-ups, one per kind. Firing a kind whose wake-up is already pending merges
// into it (never blocks): a worker that wakes looks for all the work there is, so one wake-up is enough
// however many were fired. The zero value is ready to use.
type Signals struct {
	mu    sync.Mutex
	chans map[Kind]chan struct{}
}

// NewSignals makes an empty set of wake-ups.
func NewSignals() *Signals { return &Signals{} }

// Fire wakes one waiting worker of each kind, or leaves a wake-up pending for the next that waits. It is
// safe on a nil *Signals (it does nothing), so that code run without workers (tests, commands) needn't care.
func (s *Signals) Fire(kinds ...Kind) {
	if s == nil {
		return
	}
	for _, k := range kinds {
		select {
		case s.ch(k) <- struct{}{}:
		default: // one is already pending
		}
	}
}

// C is where the kind's workers hear its wake-ups (buffered 1). On a nil *Signals it is nil, which never
// delivers, so a worker without signals only polls.
func (s *Signals) C(kind Kind) <-chan struct{} {
	if s == nil {
		return nil
	}
	return s.ch(kind)
}

func (s *Signals) ch(kind Kind) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chans[kind]
	if !ok {
		if s.chans == nil {
			s.chans = map[Kind]chan struct{}{}
		}
		c = make(chan struct{}, 1)
		s.chans[kind] = c
	}
	return c
}
