package api

import (
	"context"
	"time"
)

// WithTestClock replaces the clock and the sleep of the pipeline's waits
// (retries, the 429 pause, the rate limit) for tests outside the package
// (package api_test), which run against makeagentstest on a fake clock.
func WithTestClock(now func() time.Time, sleep func(context.Context, time.Duration) error) Option {
	return optionFunc(func(s *settings) error { s.now, s.sleep = now, sleep; return nil })
}
