package api_test

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"
)

// simClock is a discrete-event clock for tests of many goroutines waiting
// on one another: time stands still while any of its workers runs, and
// when every worker is asleep it jumps to the earliest wake-up. So a
// worker's request reaches the server at exactly the time its wait ended,
// whatever the machine's load, and a test of a one-minute rate limit runs
// in milliseconds with the same arithmetic as the real thing.
type simClock struct {
	mu       sync.Mutex
	now      time.Time
	active   int // workers not asleep
	sleepers []*simSleeper
}

type simSleeper struct {
	at   time.Time
	wake chan struct{}
}

// newSimClock starts a clock at start with workers running.
func newSimClock(start time.Time, workers int) *simClock {
	return &simClock{now: start, active: workers}
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep puts the calling worker to sleep for d of the clock's time.
func (c *simClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	s := &simSleeper{at: c.now.Add(d), wake: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.active--
	c.advance()
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, x := range c.sleepers {
			if x == s {
				c.sleepers = append(c.sleepers[:i], c.sleepers[i+1:]...)
				c.active++
				return ctx.Err()
			}
		}
		return nil // woken meanwhile: it counts as running again
	}
}

// Done tells the clock a worker has finished.
func (c *simClock) Done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active--
	c.advance()
}

// advance moves time on while every worker sleeps. c.mu is held.
func (c *simClock) advance() {
	for c.active == 0 && len(c.sleepers) > 0 {
		sort.SliceStable(c.sleepers, func(i, j int) bool { return c.sleepers[i].at.Before(c.sleepers[j].at) })
		if at := c.sleepers[0].at; at.After(c.now) {
			c.now = at
		}
		for len(c.sleepers) > 0 && !c.sleepers[0].at.After(c.now) {
			close(c.sleepers[0].wake)
			c.sleepers = c.sleepers[1:]
			c.active++
		}
	}
}

// Add counts n more workers (call it before starting them).
func (c *simClock) Add(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active += n
}

// doerFunc adapts a function to api.HttpRequestDoer.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }
