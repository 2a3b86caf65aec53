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

// maxRateWindows is the map size at which rateLimit forgets ended windows.
const maxRateWindows = 4096

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
		if len(s.limiter.windows) >= maxRateWindows {
			// Any positive team id is a team: forget windows that have
			// ended, so a client cycling through ids cannot grow the map
			// beyond the teams seen within a minute.
			for id, w := range s.limiter.windows {
				if now.Sub(w.start) >= time.Minute || now.Before(w.start) {
					delete(s.limiter.windows, id)
				}
			}
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
