package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// resumeSpacing is how far apart calls held by a 429's pause resume when
// the client has no rate limit of its own: the pace of Make's largest plan
// (1000 requests a minute). The budget of every plan is at least 60 when a
// window starts again, so a few dozen callers resume within it, and they
// do not land in the same millisecond.
const resumeSpacing = time.Minute / 1000

// WithRateLimit keeps the client under perMinute requests a minute, for
// all its calls together, from every goroutine: each attempt (a retry
// too, and a stream once, when it starts) waits for its turn, spaced
// evenly (one every minute/perMinute; no burst), so a fixed one-minute
// window on Make's side never sees more than perMinute. The wait honours
// the call's context. Make's limits are per organization: 60, 120, 240 or
// 1000 requests a minute depending on the plan, and Make sends no
// rate-limit headers, so set the limit of your plan (less, if other
// programs share the organization). 0 turns the limit off (also one set by
// MAKE_RATE_LIMIT). Off by default.
//
// To share one limit among several Clients (or with other code calling
// Make's API), give them one limiter with WithRateLimiter.
func WithRateLimit(perMinute int) Option {
	return optionFunc(func(s *settings) error {
		if perMinute < 0 {
			return errorf("WithRateLimit: %d is not a number of requests per minute", perMinute)
		}
		s.rateSet, s.limiter = true, perMinuteLimiter(perMinute)
		return nil
	})
}

// WithRateLimiter makes every attempt of the client wait for l (a token
// of golang.org/x/time/rate) before it is sent, as WithRateLimit does. Give
// several Clients the same limiter to keep them under one organization's
// limit together; l's burst is how many may go at once.
//
//	limit := rate.NewLimiter(rate.Every(time.Minute/240), 1) // 240 a minute
//	eu, _ := api.New(api.WithZone(api.ZoneEU1), api.WithRateLimiter(limit))
//	us, _ := api.New(api.WithZone(api.ZoneUS1), api.WithRateLimiter(limit))
//
// The pause after a 429 (see RetryPolicy) is per Client.
func WithRateLimiter(l *rate.Limiter) Option {
	return optionFunc(func(s *settings) error {
		if l == nil {
			return errorf("WithRateLimiter: nil limiter")
		}
		s.rateSet, s.limiter = true, l
		return nil
	})
}

// perMinuteLimiter is WithRateLimit's limiter: one token every
// minute/perMinute, a bucket of one, so requests are spread evenly and
// no window of a minute holds more than perMinute.
func perMinuteLimiter(perMinute int) *rate.Limiter {
	if perMinute == 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(float64(perMinute)/60), 1)
}

// ParseRateLimit reads a rate limit as New reads MAKE_RATE_LIMIT: a whole
// number of requests per minute, 0 or empty for none.
func ParseRateLimit(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%.40q is not a whole number of requests per minute (Make's plans allow 60, 120, 240 or 1000)", s)
	}
	return n, nil
}

// pacer spaces a Client's attempts: the shared pause after a 429, then the
// rate limit. It is shared by every call of the Client.
type pacer struct {
	limiter *rate.Limiter // nil: no client-side limit
	spacing time.Duration // between calls resuming from a pause

	mu    sync.Mutex
	until time.Time // calls wait until then (a 429's pause)
	next  time.Time // the slot of the next call the pause held, after it
	// moves counts the times the pause was set or moved on, so that a
	// call that waited can tell whether it must wait again (without
	// trusting the clock to have moved as much as it slept).
	moves uint64
}

// pause holds every call of the client until now+d, because Make answered
// 429: the calls it held then resume one slot apart. A longer pause
// already in place stays.
func (p *pacer) pause(now time.Time, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := now.Add(d); until.After(p.until) {
		p.until = until
		p.moves++
		p.next = until
	}
}

// held is how long a call starting at now waits for the pause (0 when
// there is none), and the pause's moves, for moved. It takes no slot: a
// call whose context ends while held leaves no gap in the resumption.
func (p *pacer) held(now time.Time) (time.Duration, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !now.Before(p.until) {
		return 0, p.moves
	}
	return p.until.Sub(now), p.moves
}

// resume is how long a call waits, once the pause is over, for its own
// slot, so that the calls it held do not all go at once. A call it did not
// hold takes a slot too while a held one is still to go: going ahead of
// them, it would spend the budget they waited for, and they would meet
// 429 again.
func (p *pacer) resume(now time.Time, wasHeld bool) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if lastSlot := p.next.Add(-p.spacing); !wasHeld && !lastSlot.After(now) {
		return 0
	}
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.spacing)
	return at.Sub(now)
}

// moved reports whether a 429 set or moved the pause since held returned
// moves.
func (p *pacer) moved(moves uint64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.moves != moves
}

// wait returns when an attempt may be sent: after the pause, if one is in
// place, and then its turn under the rate limit. It reports how long it
// waited; an error means ctx ended the wait (or the limiter allows
// nothing).
func (pp *pipeline) wait(ctx context.Context) (time.Duration, error) {
	p := pp.pacer
	var waited time.Duration
	sleep := func(d time.Duration) error {
		start := pp.now()
		err := pp.sleep(ctx, d)
		waited += pp.now().Sub(start)
		return err
	}
	for {
		now := pp.now()
		d, moves := p.held(now)
		if d > 0 {
			if err := sleep(d); err != nil {
				return waited, err
			}
			if p.moved(moves) {
				continue
			}
			// The pause is over for this call, whatever the clock says
			// (a test's clock may not move as the call sleeps).
			now = now.Add(d)
		}
		if woke := pp.now(); woke.After(now) {
			now = woke
		}
		if d := p.resume(now, d > 0); d > 0 {
			if err := sleep(d); err != nil {
				return waited, err
			}
		}
		if p.limiter != nil {
			now := pp.now()
			r := p.limiter.ReserveN(now, 1)
			if !r.OK() {
				return waited, errorf("the rate limiter allows no request (limit %v, burst %d)", p.limiter.Limit(), p.limiter.Burst())
			}
			if d := r.DelayFrom(now); d > 0 {
				if err := sleep(d); err != nil {
					r.CancelAt(pp.now())
					return waited, err
				}
			}
		}
		// A 429 that came while this call waited moves the pause on: then
		// the call waits again (a token it took is spent).
		if !p.moved(moves) {
			return waited, nil
		}
	}
}
