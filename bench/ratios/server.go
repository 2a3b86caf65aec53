package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// serve runs the fake Make in this process and prints its base URL. The
// harness starts it as a child process, so the client's allocation and
// goroutine counts are the client's alone.
func serve() error {
	streams := map[string][]byte{}
	for i, w := range streamWorkloads {
		streams[agentID(i)] = w.bytes()
	}
	first := stepStream(1, 115, false)
	lists := map[string][]byte{}
	for _, n := range listLengths {
		lists[strconv.Itoa(n)] = agentList(n)
	}
	created := []byte(createdJSON)

	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v2/ai-agents/v1/agents/{id}/run/stream", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		id := r.PathValue("id")
		w.Header().Set("Content-Type", "text/event-stream")
		switch id {
		case firstEventAgent:
			_, _ = w.Write(first)
		case holdAgent:
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case holdAfterOne:
			_, _ = w.Write(first)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		default:
			b, ok := streams[id]
			if !ok {
				http.Error(w, "no such workload", 404)
				return
			}
			_, _ = w.Write(b)
		}
	})
	mux.HandleFunc("GET /api/v2/ai-agents/v1/agents", func(w http.ResponseWriter, r *http.Request) {
		b, ok := lists[r.URL.Query().Get("teamId")]
		if !ok {
			http.Error(w, "no such list", 404)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		_, _ = w.Write(b)
	})
	mux.HandleFunc("POST /api/v2/ai-agents/v1/agents", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(created)))
		w.WriteHeader(201)
		_, _ = w.Write(created)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("http://%s/api/v2\n", ln.Addr())
	// The parent closes our stdin when it is done; exit then.
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); os.Exit(0) }()
	return http.Serve(ln, mux)
}

// startServer starts serve in a child process and returns its base URL and
// a function that stops it.
func startServer() (string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(exe, "-serve")
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		return "", nil, fmt.Errorf("server did not start: %w", err)
	}
	stop := func() { _ = stdin.Close(); _ = cmd.Wait() }
	return strings.TrimSpace(line), stop, nil
}
