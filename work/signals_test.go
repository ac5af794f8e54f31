package work_test

import (
	"testing"

	"github.com/flowsd/flowsd/work"
)

func pending(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestSignalsCoalesce(t *testing.T) {
	s := work.NewSignals()
	if pending(s.C("starts")) {
		t.Fatal("a signal pending before any fired")
	}
	// many fires while nobody listens merge into one wake-up, and don't block
	for range 100 {
		s.Fire("starts")
	}
	if !pending(s.C("starts")) {
		t.Fatal("no wake-up after firing")
	}
	if pending(s.C("starts")) {
		t.Fatal("fires did not merge into one wake-up")
	}
	if c := s.C("starts"); cap(c) != 1 || s.C("starts") != c {
		t.Fatalf("C is not one channel buffered 1 (cap %d)", cap(c))
	}
}

func TestSignalsKindsAreSeparate(t *testing.T) {
	s := work.NewSignals()
	s.Fire("timeouts", "groups")
	if pending(s.C("starts")) {
		t.Fatal("firing other kinds woke starts")
	}
	if !pending(s.C("timeouts")) || !pending(s.C("groups")) {
		t.Fatal("Fire of two kinds didn't wake both")
	}
}

func TestSignalsWakeAWaiter(t *testing.T) {
	s := work.NewSignals()
	woke := make(chan struct{})
	listening := make(chan struct{})
	go func() {
		c := s.C("starts")
		close(listening)
		<-c
		close(woke)
	}()
	<-listening
	s.Fire("starts")
	receive(t, woke, "the waiter to wake")
}

func TestSignalsNilAndZero(t *testing.T) {
	var s *work.Signals
	s.Fire("starts") // does nothing, doesn't panic
	if s.C("starts") != nil {
		t.Fatal("a nil Signals' channel isn't nil")
	}
	var z work.Signals // the zero value works too
	z.Fire("starts")
	if !pending(z.C("starts")) {
		t.Fatal("zero Signals lost a fire")
	}
}
