package work

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
)

func TestCommitterGroupsWhatArrivesDuringAWrite(t *testing.T) {
	var mu sync.Mutex
	var groups [][]int
	release := make(chan struct{})
	first := true
	c := &Committer[int]{Write: func(ctx context.Context, items []int) error {
		if first {
			first = false
			<-release // the first write is under way while the others arrive
		}
		mu.Lock()
		groups = append(groups, append([]int(nil), items...))
		mu.Unlock()
		return nil
	}}
	done := make(chan error, 11)
	go func() { done <- c.Add(context.Background(), 0) }()
	for !c.isWriting() {
		runtime.Gosched()
	}
	var wg sync.WaitGroup
	for i := 1; i <= 10; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); done <- c.Add(context.Background(), i) }()
	}
	for c.waiting() < 10 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	for range 11 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if len(groups) != 2 || len(groups[0]) != 1 || len(groups[1]) != 10 {
		t.Fatalf("groups written: %v, want [0] then the ten that waited", groups)
	}
}

func TestCommitterAnswersEachItemWithItsGroupsError(t *testing.T) {
	broken := errors.New("the database went away")
	c := &Committer[string]{Write: func(ctx context.Context, items []string) error {
		if items[0] == "bad" {
			return broken
		}
		return nil
	}}
	if err := c.Add(context.Background(), "bad"); !errors.Is(err, broken) {
		t.Fatalf("a failed write answered %v", err)
	}
	if err := c.Add(context.Background(), "good"); err != nil {
		t.Fatalf("the next write answered %v", err)
	}
}

func (c *Committer[T]) isWriting() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writing
}

func (c *Committer[T]) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}
