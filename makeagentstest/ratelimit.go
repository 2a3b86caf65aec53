package makeagentstest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// rateLimiter counts requests per team in fixed one-minute windows, the
// granularity Make documents for its per-organization limit. It is guarded
// by Server.mu.
type rateLimiter struct {
	windows map[int64]rateWindow
}

type rateWindow struct {
	start time.Time
	count int
}

// rateLimit answers 429 with Retry-After once a team has used up its
// requests of the current window (WithRateLimit). Requests without a valid
// teamId are not counted; validation rejects them next.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	if s.cfg.perMinute == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		team, ok := teamOf(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		s.mu.Lock()
		now := s.cfg.clock()
		if s.limiter.windows == nil {
			s.limiter.windows = map[int64]rateWindow{}
		}
		win := s.limiter.windows[team]
		if win.start.IsZero() || now.Sub(win.start) >= time.Minute || now.Before(win.start) {
			win = rateWindow{start: now}
		}
		limited := win.count >= s.cfg.perMinute
		if !limited {
			win.count++
		}
		s.limiter.windows[team] = win
		s.mu.Unlock()
		if limited {
			wait := max(win.start.Add(time.Minute).Sub(now), time.Second)
			writeError(w, http.StatusTooManyRequests, makeError("Requests limit for organization exceeded, please try again later.",
				fmt.Sprintf("The fake allows %d requests a minute per team.", s.cfg.perMinute), "SC429"),
				http.Header{"Retry-After": {retryAfterSeconds(wait)}})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// teamOf returns the request's teamId query parameter if it is a positive
// integer.
func teamOf(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.URL.Query().Get("teamId"), 10, 64)
	return id, err == nil && id > 0
}
