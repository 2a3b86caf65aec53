package main

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
)

// cost is what one operation cost: time, allocations and bytes allocated.
type cost struct{ ns, allocs, bytes float64 }

// op runs one operation and returns how many units (events, calls) it did,
// so costs can be per unit.
type op func() int

// measure runs fn for about d and returns its cost per unit.
func measure(fn op, d time.Duration) cost {
	runtime.GC()
	units := fn() // warm up, and size the sample
	iters := 1
	start := time.Now()
	units = fn()
	if el := time.Since(start); el < d {
		iters = int(d / max(el, time.Microsecond))
	}
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	start = time.Now()
	for range iters {
		units = fn()
	}
	el := time.Since(start)
	runtime.ReadMemStats(&b)
	n := float64(iters) * float64(units)
	return cost{
		ns:     float64(el.Nanoseconds()) / n,
		allocs: float64(b.Mallocs-a.Mallocs) / n,
		bytes:  float64(b.TotalAlloc-a.TotalAlloc) / n,
	}
}

// pair is one comparison: ours against a target, with the goal for the
// median ratio of each metric (0: reported, no target).
type pair struct {
	group      string
	name       string
	ours, base op
	baseName   string
	timeGoal   float64
	allocGoal  float64
	note       string
}

// result holds the per-round costs of a pair.
type result struct {
	pair
	ours, base []cost
}

// runPairs measures every pair in each round, interleaved: within a round
// the pairs run one after another, and ours and the base swap order from one
// round to the next, so drift on the shared machine hits both sides alike.
func runPairs(pairs []pair, rounds int, d time.Duration) []result {
	res := make([]result, len(pairs))
	for i, p := range pairs {
		res[i].pair = p
	}
	for r := range rounds {
		for i, p := range pairs {
			if r%2 == 0 {
				res[i].base = append(res[i].base, measure(p.base, d))
				res[i].ours = append(res[i].ours, measure(p.ours, d))
			} else {
				res[i].ours = append(res[i].ours, measure(p.ours, d))
				res[i].base = append(res[i].base, measure(p.base, d))
			}
		}
		fmt.Fprintf(progress, "round %d/%d done\n", r+1, rounds)
	}
	return res
}

// ratios returns the per-round ratios ours/base of one metric.
func (r result) ratios(metric func(cost) float64) []float64 {
	out := make([]float64, len(r.ours))
	for i := range r.ours {
		b := metric(r.base[i])
		if b == 0 {
			b = 1e-9
		}
		out[i] = metric(r.ours[i]) / b
	}
	return out
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func spread(v []float64) string {
	return fmt.Sprintf("%.2f-%.2f", slices.Min(v), slices.Max(v))
}

func verdict(m, goal float64) string {
	switch {
	case goal == 0:
		return ""
	case m <= goal:
		return "met"
	default:
		return "MISSED"
	}
}

func goalStr(g float64) string {
	if g == 0 {
		return "-"
	}
	return fmt.Sprintf("<= %.2fx", g)
}

// human prints a per-unit cost compactly.
func human(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f us", ns/1e3)
	default:
		return fmt.Sprintf("%.0f ns", ns)
	}
}

func printResults(res []result) {
	group := ""
	for _, r := range res {
		if r.group != group {
			group = r.group
			fmt.Printf("\n## %s\n\n", group)
			fmt.Println("| ours | vs | ours (median) | theirs (median) | time ratio: median (spread) | target | | allocs ratio (ours/theirs allocs) | target | | B/unit ours (theirs) |")
			fmt.Println("| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: |")
		}
		mo := med(r.ours)
		mb := med(r.base)
		tr := r.ratios(func(c cost) float64 { return c.ns })
		ar := r.ratios(func(c cost) float64 { return c.allocs })
		fmt.Printf("| %s | %s | %s | %s | %.2fx (%s) | %s | %s | %.2fx (%.1f/%.1f) | %s | %s | %.0f (%.0f) |\n",
			r.name, r.baseName, human(mo.ns), human(mb.ns), median(tr), spread(tr), goalStr(r.timeGoal), verdict(median(tr), r.timeGoal),
			median(ar), mo.allocs, mb.allocs, goalStr(r.allocGoal), verdict(median(ar), r.allocGoal), mo.bytes, mb.bytes)
		if r.note != "" {
			fmt.Printf("|  | %s |\n", strings.TrimSpace(r.note))
		}
	}
}

func med(cs []cost) cost {
	get := func(f func(cost) float64) float64 {
		v := make([]float64, len(cs))
		for i, c := range cs {
			v[i] = f(c)
		}
		return median(v)
	}
	return cost{ns: get(func(c cost) float64 { return c.ns }), allocs: get(func(c cost) float64 { return c.allocs }), bytes: get(func(c cost) float64 { return c.bytes })}
}
