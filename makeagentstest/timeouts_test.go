package makeagentstest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// clientPatience is how long these tests' clients wait for the fake to act
// on its own timeouts (of milliseconds): a bound on a hang, never a measure.
const clientPatience = 20 * time.Second

// closedByServer reads from conn until the fake closes it, and fails if the
// client gave up first.
func closedByServer(t *testing.T, conn net.Conn, what string) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(clientPatience))
	_, err := io.Copy(io.Discard, conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: the fake kept the connection open", what)
	}
}

// TestSlowClientsAreCut: a client that sends headers or a body too slowly,
// or leaves a connection idle, has its connection closed by the fake.
func TestSlowClientsAreCut(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithLimits(makeagentstest.Limits{
		ReadHeaderTimeout: 50 * time.Millisecond, ReadTimeout: 100 * time.Millisecond, IdleTimeout: 50 * time.Millisecond,
	}))
	t.Run("headers", func(t *testing.T) {
		conn := rawConn(t, s)
		fmt.Fprint(conn, "GET /api/v2/ai-agents/v1/agents?teamId=1 HTTP/1.1\r\nHost: x\r\n")
		closedByServer(t, conn, "half a header")
	})
	t.Run("body", func(t *testing.T) {
		conn := rawConn(t, s)
		fmt.Fprintf(conn, "POST /api/v2/ai-agents/v1/agents?teamId=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Token %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"na", s.Token())
		closedByServer(t, conn, "a body that stops")
	})
	t.Run("idle", func(t *testing.T) {
		conn := rawConn(t, s)
		fmt.Fprintf(conn, "GET /api/v2/ai-agents/v1/agents?teamId=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Token %s\r\n\r\n", s.Token())
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		closedByServer(t, conn, "an idle keep-alive connection")
	})
}

// TestTimeoutsSpareLongStreams: a stream that lasts many times the read and
// write timeouts, but keeps sending, is delivered whole.
func TestTimeoutsSpareLongStreams(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithStepDelay(40*time.Millisecond), makeagentstest.WithLimits(makeagentstest.Limits{
		ReadTimeout: 30 * time.Millisecond, WriteTimeout: 60 * time.Millisecond,
	}))
	agent := s.AddAgent(team, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "m"})
	body := `{"messages":[{"role":"user","content":"one"},{"role":"assistant","content":"two"},{"role":"user","content":"three"},{"role":"assistant","content":"four"},{"role":"user","content":"five"}],"config":{}}`
	resp := streamRequest(context.Background(), t, s, agent.ID, body)
	events, rest, err := readAll(resp.Body)
	if err != nil || len(rest) != 0 || len(events) != 7 {
		t.Fatalf("%d events, rest %q, %v: want the 7 events of the run", len(events), rest, err)
	}
}

// TestClientThatStopsReadingIsCut: a stream to a client that reads nothing
// ends at the write timeout; the fake logs it as finished without waiting
// for Close.
func TestClientThatStopsReadingIsCut(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithLimits(makeagentstest.Limits{WriteTimeout: 50 * time.Millisecond}))
	agent := s.AddAgent(team, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "m"})
	conn := rawConn(t, s)
	fmt.Fprintf(conn, "POST /api/v2/ai-agents/v1/agents/%s/run/stream?teamId=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Token %s\r\n"+
		"Content-Type: application/json\r\nPrefer: stream=oversize-after-0, size=67108864\r\nContent-Length: %d\r\n\r\n%s",
		agent.ID, s.Token(), len(runBody), runBody)
	// Read nothing. The fake's writes fill the socket buffers and block
	// until the deadline cuts them.
	deadline := time.Now().Add(clientPatience)
	for len(s.Requests()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the stream to a client that reads nothing is still being written")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestConnectionCap: beyond Limits.MaxConnections a connection waits until
// one closes.
func TestConnectionCap(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithLimits(makeagentstest.Limits{MaxConnections: 2}))
	held := []net.Conn{rawConn(t, s), rawConn(t, s)}
	for _, c := range held {
		// Half a request: the fake has accepted the connection and reads it.
		fmt.Fprint(c, "GET /api/v2/ai-agents/v1/agents?teamId=1 HTTP/1.1\r\n")
	}
	third := rawConn(t, s)
	fmt.Fprintf(third, "GET /api/v2/ai-agents/v1/agents?teamId=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Token %s\r\n\r\n", s.Token())
	got := make(chan int, 1)
	go func() {
		_ = third.SetReadDeadline(time.Now().Add(clientPatience))
		resp, err := http.ReadResponse(bufio.NewReader(third), nil)
		if err != nil {
			got <- 0
			return
		}
		_ = resp.Body.Close()
		got <- resp.StatusCode
	}()
	select {
	case status := <-got:
		t.Fatalf("a third connection was served (%d) while two held the cap of 2", status)
	case <-time.After(100 * time.Millisecond):
		// Not a measure: a slow machine only makes this check weaker.
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("%d requests served while the cap was held", n)
	}
	_ = held[0].Close()
	if status := <-got; status != 200 {
		t.Fatalf("after a slot freed: status %d, want 200", status)
	}
}

// TestCloseWithAnUnusedConnection: a connection that never carried a
// request does not hold Close up, and is closed by it.
func TestCloseWithAnUnusedConnection(t *testing.T) {
	s, err := makeagentstest.Start()
	if err != nil {
		t.Fatal(err)
	}
	conn := rawConn(t, s)
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	closedByServer(t, conn, "Close")
	<-closed
}

// TestLimitsAreChecked: negative limits are refused at Start.
func TestLimitsAreChecked(t *testing.T) {
	for _, l := range []makeagentstest.Limits{{RequestLog: -1}, {WriteTimeout: -time.Second}, {MaxConnections: -1}, {ThreadBytes: -1}} {
		if s, err := makeagentstest.Start(makeagentstest.WithLimits(l)); err == nil {
			s.Close()
			t.Errorf("Start accepted %+v", l)
		} else if !strings.Contains(err.Error(), "negative") {
			t.Errorf("Start(%+v): %v", l, err)
		}
	}
}

// BenchmarkCloseWithAnUnusedConnection measures Close while a client holds
// a connection it never sent a request on: net/http's Shutdown alone waits
// 5 s for such a connection.
func BenchmarkCloseWithAnUnusedConnection(b *testing.B) {
	for range b.N {
		b.StopTimer() // Start parses the spec: not what is measured
		s, err := makeagentstest.Start()
		if err != nil {
			b.Fatal(err)
		}
		u, _ := url.Parse(s.URL())
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		s.Close()
		_ = conn.Close()
	}
}
