package work_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/work"
)

func TestGroupStopCancelsAndWaits(t *testing.T) {
	log, buf := newLog()
	g := work.NewGroup(log)
	var finished atomic.Int32
	started := make(chan struct{}, 3)
	for range 3 {
		g.Go("waiter", func(ctx context.Context) error {
			started <- struct{}{}
			<-ctx.Done()
			time.Sleep(10 * time.Millisecond) // shutdown work Stop must wait for
			finished.Add(1)
			return ctx.Err() // an error after the shutdown isn't logged
		})
	}
	for range 3 {
		receive(t, started, "the goroutines to start")
	}
	g.Stop()
	if n := finished.Load(); n != 3 {
		t.Fatalf("Stop returned with %d of 3 goroutines finished", n)
	}
	if g.Context().Err() == nil {
		t.Fatal("Stop didn't cancel the context")
	}
	g.Stop() // idempotent
	if out := buf.String(); out != "" {
		t.Fatalf("a clean shutdown logged: %s", out)
	}
}

func TestGroupWaitDoesNotCancel(t *testing.T) {
	g := work.NewGroup(nil)
	release := make(chan struct{})
	var sawLive atomic.Bool
	g.Go("one", func(ctx context.Context) error {
		<-release
		sawLive.Store(ctx.Err() == nil)
		return nil
	})
	close(release)
	g.Wait()
	if !sawLive.Load() || g.Context().Err() != nil {
		t.Fatal("Wait cancelled the group's context")
	}
	g.Wait() // nothing running: returns at once
	g.Stop()
}

func TestGroupRecoversPanics(t *testing.T) {
	log, buf := newLog()
	g := work.NewGroup(log)
	g.Go("bomb", func(ctx context.Context) error { panic("kaboom") })
	var other atomic.Bool
	g.Go("other", func(ctx context.Context) error { other.Store(true); return nil })
	g.Wait()
	if !other.Load() {
		t.Fatal("the other goroutine didn't run")
	}
	if l := buf.lines("level=ERROR", "name=bomb", "kaboom", "stack="); len(l) != 1 {
		t.Fatalf("panic not logged with its name and stack: %s", buf)
	}
	g.Stop()
}

func TestGroupLogsErrors(t *testing.T) {
	log, buf := newLog()
	g := work.NewGroup(log)
	g.Go("failing", func(ctx context.Context) error { return errors.New("disk on fire") })
	g.Go("fine", func(ctx context.Context) error { return nil })
	g.Wait()
	if l := buf.lines("level=ERROR", "name=failing", "disk on fire"); len(l) != 1 {
		t.Fatalf("error not logged with its name: %s", buf)
	}
	if strings.Contains(buf.String(), "name=fine") {
		t.Fatalf("a nil return was logged: %s", buf)
	}
	g.Stop()
}

func TestGroupGoAfterStop(t *testing.T) {
	log, _ := newLog()
	g := work.NewGroup(log)
	g.Stop()
	var ran atomic.Bool
	g.Go("late", func(ctx context.Context) error { ran.Store(true); return nil })
	g.Wait()
	g.Stop()
	if ran.Load() {
		t.Fatal("Go after Stop ran its function")
	}
}

func TestGroupGoFromInside(t *testing.T) {
	g := work.NewGroup(nil)
	var inner atomic.Bool
	g.Go("outer", func(ctx context.Context) error {
		g.Go("inner", func(ctx context.Context) error { inner.Store(true); return nil })
		return nil
	})
	g.Wait()
	if !inner.Load() {
		t.Fatal("Wait returned before a goroutine started by another")
	}
	g.Stop()
}
