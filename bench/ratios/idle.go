package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/makeagents/makeagents-go/sse"
)

// idleCost is what n open streams hold while each has a reader waiting for
// its first event: live heap plus goroutine stacks, and goroutines, per
// stream; and whether everything was gone once they were closed.
type idleCost struct {
	bytesPerStream      float64
	stackPerStream      float64
	goroutinesPerStream float64
	leftAfterClose      int
}

func memNow() (heapStack, stack uint64, goroutines int) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse, m.StackInuse, runtime.NumGoroutine()
}

// idle opens n streams with open, waits until every reader is blocked, and
// measures; then closes them all and waits for the goroutines to go.
// idleProfile, when set, names a file for a heap profile taken while the
// streams are open (the last round's).
var idleProfile string

func idle(n int, open func() (wait func(), close func())) idleCost {
	baseMem, baseStack, baseG := memNow()
	closers := make([]func(), n)
	var ready, done sync.WaitGroup
	for i := range n {
		wait, closeFn := open()
		closers[i] = closeFn
		ready.Add(1)
		done.Add(1)
		go func() {
			ready.Done()
			wait()
			done.Done()
		}()
	}
	ready.Wait()
	time.Sleep(200 * time.Millisecond) // let every reader reach its blocking read
	mem, stack, g := memNow()
	if idleProfile != "" {
		f, err := os.Create(idleProfile)
		must(err)
		must(pprof.Lookup("heap").WriteTo(f, 0))
		_ = f.Close()
	}
	c := idleCost{
		bytesPerStream:      (float64(mem) - float64(baseMem)) / float64(n),
		stackPerStream:      (float64(stack) - float64(baseStack)) / float64(n),
		goroutinesPerStream: float64(g-baseG) / float64(n),
	}
	for _, cl := range closers {
		cl()
	}
	done.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseG && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	c.leftAfterClose = runtime.NumGoroutine() - baseG
	return c
}

func (h *harness) oursIdle(agent string) func() (func(), func()) {
	return func() (func(), func()) { return h.oursIdleOn(agent) }
}

func (h *harness) rawIdle(agent string) func() (func(), func()) {
	return func() (func(), func()) { return h.rawIdleOn(agent) }
}

func (h *harness) oursIdleOn(agent string) (func(), func()) {
	s, err := sse.Run(ctx, h.ours, agent, h.runReq)
	must(err)
	return func() {
			for s.Next() {
			}
		}, func() {
			_ = s.Close()
		}
}

func (h *harness) rawIdleOn(agent string) (func(), func()) {
	resp := h.rawPost(agent)
	r := bufio.NewReader(resp.Body)
	return func() {
			for {
				if _, err := r.ReadSlice('\n'); err != nil {
					return
				}
			}
		}, func() {
			_ = resp.Body.Close()
		}
}

func printIdleHeader(n int) {
	fmt.Printf("\n## (c) idle open streams, N=%d, a reader waiting on each\n\n", n)
	fmt.Println("| | ours (median) | raw net/http + bufio (median) | ratio: median (spread) | target | | goroutines/stream ours (raw) | goroutines left after Close ours (raw) |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
}

func printIdle(label string, ours, raw []idleCost) {
	os, rst := make([]float64, len(ours)), make([]float64, len(ours))
	for i := range ours {
		os[i], rst[i] = ours[i].stackPerStream, raw[i].stackPerStream
	}
	defer fmt.Printf("| %s: of which goroutine stacks | %.1f KiB | %.1f KiB | | | | | |\n", label, median(os)/1024, median(rst)/1024)
	rs := make([]float64, len(ours))
	ob := make([]float64, len(ours))
	rb := make([]float64, len(ours))
	left, rleft := 0, 0
	for i := range ours {
		rs[i] = ours[i].bytesPerStream / raw[i].bytesPerStream
		ob[i], rb[i] = ours[i].bytesPerStream, raw[i].bytesPerStream
		left = max(left, ours[i].leftAfterClose)
		rleft = max(rleft, raw[i].leftAfterClose)
	}
	m := median(rs)
	fmt.Printf("| %s: heap+stack per stream | %.1f KiB | %.1f KiB | %.2fx (%s) | %s | %s | %.2f (%.2f) | %d (%d) |\n",
		label, median(ob)/1024, median(rb)/1024, m, spread(rs), goalStr(1.15), verdict(m, 1.15),
		ours[0].goroutinesPerStream, raw[0].goroutinesPerStream, left, rleft)
}
