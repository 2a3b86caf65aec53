// Command ratios is the harness of issue 13: it measures the SDK against
// the libraries and raw net/http code it stands on, in interleaved rounds
// in one process (the server in a child process), and prints the median and
// spread of each ratio next to its target. See ../README.md.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

var progress io.Writer = os.Stderr

func main() {
	serveMode := flag.Bool("serve", false, "run the fake server (used by the harness itself)")
	rounds := flag.Int("rounds", 7, "interleaved rounds")
	sample := flag.Duration("sample", 100*time.Millisecond, "time per measurement")
	idleN := flag.Int("idle", 1000, "streams held open for (c)")
	only := flag.String("only", "", "run only these groups (letters, e.g. ad)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the client side here")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the client side here")
	flag.StringVar(&idleProfile, "idleprofile", "", "write a heap profile while the idle streams of (c) are open")
	flag.Parse()
	if idleProfile != "" {
		runtime.MemProfileRate = 1
	}
	if *serveMode {
		if err := serve(); err != nil {
			log.Fatal(err)
		}
		return
	}
	base, stop, err := startServer()
	must(err)
	defer stop()
	h := newHarness(base)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		must(err)
		must(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		runtime.MemProfileRate = 4096
		defer func() {
			f, err := os.Create(*memProfile)
			must(err)
			must(pprof.Lookup("allocs").WriteTo(f, 0))
			_ = f.Close()
		}()
	}
	want := func(g byte) bool {
		if *only == "" {
			return true
		}
		for i := range len(*only) {
			if (*only)[i] == g {
				return true
			}
		}
		return false
	}

	fmt.Printf("# makeagents-go ratios: %d rounds, %v per sample, GOMAXPROCS=%d, %s/%s, %s\n",
		*rounds, *sample, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	var pairs []pair
	if want('a') {
		for _, wi := range []int{0, 1} {
			w := streamWorkloads[wi]
			data := w.bytes()
			mem := memorySource(data)
			g := fmt.Sprintf("(a) stream end to end, typed steps, in memory: %s (%d B/event on the wire), per event", w.name, len(data)/w.events)
			pairs = append(pairs,
				pair{group: g, name: "sse + Event.Step", ours: oursMemory(data), base: ldJSON(mem), baseName: "bare LD + encoding/json (plain struct)", timeGoal: 1.10},
				pair{group: g, name: "sse + Event.Step", ours: oursMemory(data), base: openAIJSON(mem), baseName: "openai-go ssestream + encoding/json", timeGoal: 1.35},
				pair{group: g, name: "sse + Event.Step", ours: oursMemory(data), base: goSSEJSON(mem), baseName: "go-sse + encoding/json"},
				pair{group: g, name: "sse + Event.Step", ours: oursMemory(data), base: bufioFloor(mem), baseName: "bufio.Scanner floor (no JSON)"},
			)
		}
		w := streamWorkloads[0]
		src := h.rawSource(agentID(0))
		g := fmt.Sprintf("(a) stream end to end, typed steps, loopback HTTP: %s, %d events per request, per event", w.name, w.events)
		pairs = append(pairs,
			pair{group: g, name: "sse.Run + Event.Step", ours: h.oursHTTP(agentID(0)), base: ldJSON(src), baseName: "raw POST + bare LD + encoding/json", timeGoal: 1.10},
			pair{group: g, name: "sse.Run + Event.Step", ours: h.oursHTTP(agentID(0)), base: openAIJSON(src), baseName: "raw POST + openai-go ssestream + encoding/json", timeGoal: 1.35},
			pair{group: g, name: "sse.Run + Event.Step", ours: h.oursHTTP(agentID(0)), base: goSSEJSON(src), baseName: "raw POST + go-sse + encoding/json"},
			pair{group: g, name: "sse.Run + Event.Step", ours: h.oursHTTP(agentID(0)), base: bufioFloor(src), baseName: "raw POST + bufio.Scanner floor"},
		)
	}
	if want('b') {
		g := "(b) time to first event, loopback HTTP (request, first event, end), per stream"
		pairs = append(pairs, pair{group: g, name: "api.New + sse.Run + Next", ours: h.oursFirst(), base: h.rawFirst(), baseName: "raw net/http POST + bufio", timeGoal: 1.10},
			// Which half costs what: our decoder on a raw request, and
			// New's request stack with a raw read.
			pair{group: g, name: "(split) raw POST + sse.NewStream + Next", ours: h.rawRequestOurDecoder(), base: h.rawFirst(), baseName: "raw net/http POST + bufio"},
			pair{group: g, name: "(split) api.New RunAgentStream + bufio", ours: h.ourRequestRawDecoder(), base: h.rawFirst(), baseName: "raw net/http POST + bufio"},
		)
	}
	if want('d') {
		g := "(d) list and create through api.New vs raw net/http + encoding/json into the same plain structs, per call"
		for _, n := range []int{20, 100000} {
			pairs = append(pairs, pair{group: g, name: fmt.Sprintf("list %d agents", n), ours: h.oursList(n), base: h.rawList(n), baseName: "raw GET + json.Decoder", timeGoal: 1.30, allocGoal: 1.30,
				note: fmt.Sprintf("body %d B", len(agentList(n)))})
		}
		pairs = append(pairs, pair{group: g, name: "create", ours: h.oursCreate(), base: h.rawCreate(), baseName: "raw POST + json.Decoder", timeGoal: 1.30, allocGoal: 1.30})
	}
	if want('e') {
		for i, w := range streamWorkloads[2:] {
			data := w.bytes()
			mem := memorySource(data)
			g := "(e) growth with event size, in memory, per event (no targets: the shape of the curve)"
			name := fmt.Sprintf("%s (%d B/event)", w.name, len(data)/w.events)
			_ = i
			pairs = append(pairs,
				pair{group: g, name: name, ours: oursMemory(data), base: ldJSON(mem), baseName: "bare LD + encoding/json"},
				pair{group: g, name: name, ours: oursMemory(data), base: openAIJSON(mem), baseName: "openai-go ssestream + encoding/json"},
			)
		}
		g := "(e) growth with list length, loopback HTTP, per call (no targets: the shape of the curve)"
		for _, n := range listLengths {
			pairs = append(pairs, pair{group: g, name: fmt.Sprintf("list %d agents (%d B)", n, len(agentList(n))), ours: h.oursList(n), base: h.rawList(n), baseName: "raw GET + json.Decoder"})
		}
	}
	res := runPairs(pairs, *rounds, *sample)
	printResults(res)
	if want('d') {
		fmt.Printf("\n## (d) bytes allocated per call / body size (target <= 2.00x)\n\n| call | body B | ours B/call | ratio | | raw B/call | ratio |\n| --- | ---: | ---: | ---: | --- | ---: | ---: |\n")
		for _, r := range res {
			var body int
			switch r.name {
			case "list 20 agents":
				body = len(agentList(20))
			case "list 100000 agents":
				body = len(agentList(100000))
			case "create":
				body = len(createdJSON)
			default:
				continue
			}
			o, b := med(r.ours), med(r.base)
			fmt.Printf("| %s | %d | %.0f | %.2fx | %s | %.0f | %.2fx |\n", r.name, body, o.bytes, o.bytes/float64(body), verdict(o.bytes/float64(body), 2), b.bytes, b.bytes/float64(body))
		}
	}
	if want('c') {
		rounds := max(3, *rounds/2)
		printIdleHeader(*idleN)
		for _, c := range []struct{ label, agent string }{
			{"before the first event", holdAgent},
			{"after one event", holdAfterOne},
		} {
			var ours, raw []idleCost
			for r := range rounds {
				if r%2 == 0 {
					raw = append(raw, idle(*idleN, h.rawIdle(c.agent)))
					ours = append(ours, idle(*idleN, h.oursIdle(c.agent)))
				} else {
					ours = append(ours, idle(*idleN, h.oursIdle(c.agent)))
					raw = append(raw, idle(*idleN, h.rawIdle(c.agent)))
				}
				fmt.Fprintf(progress, "idle round %d/%d done\n", r+1, rounds)
			}
			printIdle(c.label, ours, raw)
		}
	}
}
