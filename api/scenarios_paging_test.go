package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/makeagents/makeagents-go/api"
)

// pagingServer serves n scenarios (ids 1..n) and lets page pick what one
// request gets: the ids to send and the pg.limit to echo (0: no pg).
type pagingServer struct {
	mu       sync.Mutex
	requests int
}

func (p *pagingServer) start(t *testing.T, page func(request int, offset, limit int64) (ids []int64, echoLimit int64)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.requests++
		n := p.requests
		p.mu.Unlock()
		offset, _ := strconv.ParseInt(r.URL.Query().Get("pg[offset]"), 10, 64)
		limit, _ := strconv.ParseInt(r.URL.Query().Get("pg[limit]"), 10, 64)
		ids, echo := page(n, offset, limit)
		if n > 100 {
			// A walk that has not stopped by now never would: end it
			// here so the test fails instead of hanging.
			ids = nil
		}
		var b strings.Builder
		b.WriteString(`{"scenarios":[`)
		for i, id := range ids {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"id":%d,"name":"s%d"}`, id, id)
		}
		fmt.Fprintf(&b, `],"pg":{"offset":%d,"limit":%d}}`, offset, echo)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(b.String()))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (p *pagingServer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

func idRange(from, to int64) []int64 {
	var ids []int64
	for id := from; id <= to; id++ {
		ids = append(ids, id)
	}
	return ids
}

func walk(t *testing.T, srv *httptest.Server, q api.ScenarioQuery) (ids []int64, errs []error) {
	t.Helper()
	c := discoveryClient(t, srv)
	for s, err := range c.Scenarios(context.Background(), q) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, s.ID)
	}
	return ids, errs
}

// Servers that page dishonestly end the walk with an error naming the
// server's fault, within a bounded number of requests; one that caps the
// page size and says so in pg.limit is followed to the end.
func TestScenariosPagingAgainstDishonestServers(t *testing.T) {
	const total = 23
	honest := func(offset, limit, cap int64) []int64 {
		if cap > 0 && (limit == 0 || limit > cap) {
			limit = cap
		}
		return idRange(offset+1, min(offset+limit, total))
	}
	for _, tc := range []struct {
		name        string
		limit       int64
		page        func(n int, offset, limit int64) ([]int64, int64)
		wantIDs     int    // distinct ids yielded
		wantErr     string // "" for none
		maxRequests int
	}{
		{
			name:  "caps the limit and echoes it",
			limit: 25,
			page: func(_ int, offset, limit int64) ([]int64, int64) {
				return honest(offset, limit, 10), 10
			},
			wantIDs: total, maxRequests: 3,
		},
		{
			name:  "no limit asked, echoes its default",
			limit: 0,
			page: func(_ int, offset, limit int64) ([]int64, int64) {
				return honest(offset, limit, 10), 10
			},
			wantIDs: total, maxRequests: 3,
		},
		{
			name:  "echoes a smaller limit than it sends",
			limit: 10,
			page: func(_ int, offset, limit int64) ([]int64, int64) {
				return honest(offset, limit, 0), 1
			},
			// The last page (3) is not shorter than the lie (1): one
			// more request finds it empty.
			wantIDs: total, maxRequests: 4,
		},
		{
			name:  "ignores pg[offset] and rotates the same 10",
			limit: 10,
			page: func(n int, _, _ int64) ([]int64, int64) {
				ids := idRange(1, 10)
				k := n % len(ids)
				return append(ids[k:], ids[:k]...), 10
			},
			wantIDs: 10, wantErr: "ignores pg[offset]", maxRequests: 2,
		},
		{
			name:  "ignores pg[offset], the first page forever",
			limit: 0,
			page: func(int, int64, int64) ([]int64, int64) {
				return idRange(1, 10), 0
			},
			wantIDs: 10, wantErr: "ignores pg[offset]", maxRequests: 2,
		},
		{
			name:  "slides by one: one new scenario per full page",
			limit: 10,
			page: func(n int, _, _ int64) ([]int64, int64) {
				return idRange(int64(n), int64(n)+9), 10
			},
			wantErr: "repeats scenarios", maxRequests: 10,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := &pagingServer{}
			srv := ps.start(t, tc.page)
			ids, errs := walk(t, srv, api.ScenarioQuery{Limit: tc.limit})
			distinct := map[int64]bool{}
			for _, id := range ids {
				if distinct[id] {
					t.Errorf("scenario %d yielded twice", id)
				}
				distinct[id] = true
			}
			if tc.wantIDs > 0 && len(distinct) != tc.wantIDs {
				t.Errorf("yielded %d distinct scenarios, want %d", len(distinct), tc.wantIDs)
			}
			switch {
			case tc.wantErr == "" && len(errs) > 0:
				t.Errorf("errors %v, want none", errs)
			case tc.wantErr != "" && (len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.wantErr) || !strings.Contains(errs[0].Error(), "server's fault")):
				t.Errorf("errors %v, want one naming the server's fault (%q)", errs, tc.wantErr)
			}
			if n := ps.count(); n > tc.maxRequests {
				t.Errorf("%d requests, want at most %d", n, tc.maxRequests)
			}
		})
	}
}
