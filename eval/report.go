package eval

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// MaxReportBytes bounds what ReadReport reads: a report holds every answer,
// but a file beyond this is not one of ours.
const MaxReportBytes = 256 << 20

// ModelTotals sums up the runs of one model.
type ModelTotals struct {
	Model  string // as ModelLabel shows it
	Runs   int
	Passed int
	Failed int
	Errors int
	Tokens int64
	// LatencyP50 and LatencyP95 are over the runs that finished without a
	// call error (nearest-rank percentiles).
	LatencyP50 time.Duration
	LatencyP95 time.Duration
}

// PassRate is Passed / Runs (0 with no runs).
func (t ModelTotals) PassRate() float64 {
	if t.Runs == 0 {
		return 0
	}
	return float64(t.Passed) / float64(t.Runs)
}

// Totals returns one ModelTotals per model, in the order the results
// name them, and the totals of all of them last.
func (r *Report) Totals() (perModel []ModelTotals, all ModelTotals) {
	index := map[string]int{}
	lat := map[string][]time.Duration{}
	var allLat []time.Duration
	all.Model = "all"
	for _, res := range r.Results {
		i, ok := index[res.Model]
		if !ok {
			i = len(perModel)
			index[res.Model] = i
			perModel = append(perModel, ModelTotals{Model: r.ModelLabel(res.Model)})
		}
		for _, t := range []*ModelTotals{&perModel[i], &all} {
			t.Runs++
			switch res.Status {
			case StatusPass:
				t.Passed++
			case StatusFail:
				t.Failed++
			default:
				t.Errors++
			}
			if res.Tokens > 0 {
				t.Tokens += res.Tokens
			}
		}
		if res.Status != StatusError {
			lat[res.Model] = append(lat[res.Model], time.Duration(res.Latency))
			allLat = append(allLat, time.Duration(res.Latency))
		}
	}
	for model, i := range index {
		perModel[i].LatencyP50, perModel[i].LatencyP95 = percentile(lat[model], 50), percentile(lat[model], 95)
	}
	all.LatencyP50, all.LatencyP95 = percentile(allLat, 50), percentile(allLat, 95)
	return perModel, all
}

// percentile is the nearest-rank percentile p of ds (0 when empty).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := (p*len(s) + 99) / 100 // ceil(p/100 * n)
	return s[max(rank, 1)-1]
}

// WriteJSON writes the report as JSON, the form ReadReport reads back.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadReport reads a report WriteJSON wrote, to resume from it.
func ReadReport(rd io.Reader) (*Report, error) {
	data, err := io.ReadAll(io.LimitReader(rd, MaxReportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxReportBytes {
		return nil, fmt.Errorf("larger than %d bytes: not an eval report", MaxReportBytes)
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("not an eval report: %w", err)
	}
	if rep.Version != reportVersion {
		return nil, fmt.Errorf("not an eval report of version %d (version %d)", reportVersion, rep.Version)
	}
	for _, res := range rep.Results {
		switch res.Status {
		case StatusPass, StatusFail, StatusError:
		default:
			return nil, fmt.Errorf("not an eval report: result %q has status %q", res.Case, res.Status)
		}
	}
	return &rep, nil
}

// clean makes text from a suite or a server safe for one line of a
// terminal, a Markdown table or an XML attribute: control characters go,
// line breaks become spaces.
func clean(s string) string { return excerpt(s, 0, 0) }

// oneLine cuts s to n runes.
func oneLine(s string, n int) string { return cut(clean(s), n) }

// caseLabel names a result, with its repeat when the suite repeats.
func caseLabel(res Result, repeats bool) string {
	if repeats {
		return fmt.Sprintf("%s #%d", res.Case, res.Repeat+1)
	}
	return res.Case
}

func (r *Report) repeats() bool {
	return slices.ContainsFunc(r.Results, func(res Result) bool { return res.Repeat > 0 })
}

// detail is the one-line reason a result did not pass.
func detail(res Result) string {
	switch res.Status {
	case StatusError:
		return "error: " + res.Error
	case StatusFail:
		f := res.Failures[0]
		s := f.Assertion + ": " + f.Message
		if f.Excerpt != "" {
			s += ": " + strconv.Quote(f.Excerpt)
		}
		return s
	}
	return ""
}

// more says how many failures the table's one line leaves out.
func more(res Result) string {
	if len(res.Failures) > 1 {
		return fmt.Sprintf(" (+%d more)", len(res.Failures)-1)
	}
	return ""
}

func showTokens(n int64) string {
	if n < 0 {
		return "?"
	}
	return strconv.FormatInt(n, 10)
}

func showLatency(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// WriteTable writes the human-readable report: one row per run (case,
// model, result, tokens, latency, the first failed assertion with the
// actual text), every failure in full, then the totals per model.
func (r *Report) WriteTable(w io.Writer) error {
	// The rows go through a buffer to lose the padding tabwriter puts after
	// a run's latency when no assertion failed: trailing spaces on every
	// passing row (a diff, a copied transcript, an editor show them).
	var rows bytes.Buffer
	tw := tabwriter.NewWriter(&rows, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tMODEL\tRESULT\tTOKENS\tLATENCY\tFAILED ASSERTION")
	repeats := r.repeats()
	for _, res := range r.Results {
		result := string(res.Status)
		if res.Status != StatusPass {
			result = strings.ToUpper(result)
		}
		if res.Resumed {
			result += "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", oneLine(caseLabel(res, repeats), 40), oneLine(r.ModelLabel(res.Model), 30), result,
			showTokens(res.Tokens), showLatency(time.Duration(res.Latency)), oneLine(detail(res), 120)+more(res))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for line := range strings.Lines(rows.String()) {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	if slices.ContainsFunc(r.Results, func(res Result) bool { return res.Resumed }) {
		fmt.Fprintln(w, "* kept from the earlier report (not run again)")
	}
	for _, res := range r.Results {
		if res.Status == StatusPass {
			continue
		}
		fmt.Fprintf(w, "\n%s %s [%s]\n", strings.ToUpper(string(res.Status)), clean(caseLabel(res, repeats)), clean(r.ModelLabel(res.Model)))
		if res.Status == StatusError {
			fmt.Fprintf(w, "  %s\n", clean(res.Error))
		}
		for _, f := range res.Failures {
			fmt.Fprintf(w, "  %s: %s\n", clean(f.Assertion), clean(f.Message))
			if f.Excerpt != "" {
				fmt.Fprintf(w, "    actual: %q\n", f.Excerpt)
			}
		}
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "MODEL\tRUNS\tPASSED\tFAILED\tERRORS\tPASS RATE\tTOKENS\tP50\tP95\t")
	per, all := r.Totals()
	if len(per) > 1 {
		per = append(per, all)
	}
	for _, t := range per {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.1f%%\t%d\t%s\t%s\t\n", oneLine(t.Model, 30), t.Runs, t.Passed, t.Failed, t.Errors,
			100*t.PassRate(), t.Tokens, showLatency(t.LatencyP50), showLatency(t.LatencyP95))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\n"+r.Summary())
	return err
}

// Summary is the report in one line, e.g. "7 of 8 runs passed (87.5%): 1
// failed, 0 errors".
func (r *Report) Summary() string {
	_, all := r.Totals()
	s := fmt.Sprintf("%d of %d runs passed (%.1f%%): %d failed, %d errors", all.Passed, all.Runs, 100*all.PassRate(), all.Failed, all.Errors)
	if missing := r.Planned - len(r.Results); missing > 0 {
		s += fmt.Sprintf("; %d not run (interrupted)", missing)
	}
	return s
}

// group is the runs of one case with one model (its repeats).
type group struct {
	caseName string
	model    string
	runs     []Result
}

// groups returns the results grouped by (case, model), in report order.
func (r *Report) groups() []group {
	var out []group
	index := map[[2]string]int{}
	for _, res := range r.Results {
		k := [2]string{res.Case, res.Model}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, group{caseName: res.Case, model: res.Model})
		}
		out[i].runs = append(out[i].runs, res)
	}
	return out
}

// WriteMarkdown writes the report as Markdown: totals per model, then one
// row per (case, model), then the failures in full.
func (r *Report) WriteMarkdown(w io.Writer) error {
	md := func(s string) string {
		return strings.NewReplacer("|", `\|`, "`", "'", "<", "&lt;", ">", "&gt;").Replace(clean(s))
	}
	fmt.Fprintf(w, "# Eval: %s\n\n", md(r.Suite))
	agent := r.AgentID
	if r.AgentName != "" {
		agent = r.AgentName + " (" + r.AgentID + ")"
	}
	fmt.Fprintf(w, "Agent %s. %s.\n\n", md(agent), r.Summary())
	fmt.Fprintln(w, "## Totals per model")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Model | Runs | Passed | Failed | Errors | Pass rate | Tokens | Latency p50 | Latency p95 |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	per, all := r.Totals()
	if len(per) > 1 {
		per = append(per, all)
	}
	for _, t := range per {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %.1f%% | %d | %s | %s |\n", md(t.Model), t.Runs, t.Passed, t.Failed, t.Errors,
			100*t.PassRate(), t.Tokens, showLatency(t.LatencyP50), showLatency(t.LatencyP95))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Cases")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Case | Model | Result | Tokens | Latency | Failed assertion |")
	fmt.Fprintln(w, "| --- | --- | --- | ---: | ---: | --- |")
	for _, g := range r.groups() {
		passed := 0
		var tokens int64
		var lat time.Duration
		reason := ""
		for _, res := range g.runs {
			if res.Status == StatusPass {
				passed++
			} else if reason == "" {
				reason = detail(res)
			}
			tokens += max(res.Tokens, 0)
			lat += time.Duration(res.Latency)
		}
		result := "✅ pass"
		switch {
		case passed < len(g.runs) && slices.ContainsFunc(g.runs, func(x Result) bool { return x.Status == StatusError }):
			result = "⚠️ error"
		case passed < len(g.runs):
			result = "❌ fail"
		}
		if len(g.runs) > 1 {
			result += fmt.Sprintf(" (%d/%d)", passed, len(g.runs))
		}
		n := time.Duration(len(g.runs))
		fmt.Fprintf(w, "| %s | %s | %s | %d | %s | %s |\n", md(g.caseName), md(r.ModelLabel(g.model)), result, tokens/int64(n), showLatency(lat/n), md(oneLine(reason, 200)))
	}
	repeats := r.repeats()
	first := true
	for _, res := range r.Results {
		if res.Status == StatusPass {
			continue
		}
		if first {
			fmt.Fprintln(w, "\n## Failures")
			first = false
		}
		fmt.Fprintf(w, "\n### %s, %s\n\n", md(caseLabel(res, repeats)), md(r.ModelLabel(res.Model)))
		if res.Status == StatusError {
			fmt.Fprintf(w, "- error: %s\n", md(res.Error))
		}
		for _, f := range res.Failures {
			fmt.Fprintf(w, "- `%s`: %s\n", strings.ReplaceAll(clean(f.Assertion), "`", "'"), md(f.Message))
			if f.Excerpt != "" {
				fmt.Fprintf(w, "  - actual: %s\n", md(f.Excerpt))
			}
		}
	}
	return nil
}

// JUnit XML, as CI systems read it (Jenkins, GitLab, GitHub actions).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// WriteJUnit writes the report as JUnit XML: one testsuite per model, one
// testcase per (case, model). A case that failed carries a failure whose
// message is the first failed assertion and whose text lists every failed
// assertion with the actual text; a call error is an error. With repeats,
// the testcase fails when any repeat did.
func (r *Report) WriteJUnit(w io.Writer) error {
	doc := junitSuites{Name: clean(r.Suite)}
	suites := map[string]int{}
	var total time.Duration
	repeats := r.repeats()
	for _, g := range r.groups() {
		i, ok := suites[g.model]
		if !ok {
			i = len(doc.Suites)
			suites[g.model] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: clean(r.ModelLabel(g.model))})
		}
		s := &doc.Suites[i]
		tc := junitCase{Name: clean(g.caseName), Classname: clean(r.Suite) + "." + clean(r.ModelLabel(g.model))}
		var took time.Duration
		var fails, errs []string
		firstFail, firstErr := "", ""
		for _, res := range g.runs {
			took += time.Duration(res.Latency)
			prefix := ""
			if repeats {
				prefix = fmt.Sprintf("run %d: ", res.Repeat+1)
			}
			switch res.Status {
			case StatusError:
				errs = append(errs, prefix+clean(res.Error))
				if firstErr == "" {
					firstErr = prefix + clean(res.Error)
				}
			case StatusFail:
				for _, f := range res.Failures {
					line := prefix + clean(f.Assertion) + ": " + clean(f.Message)
					if f.Excerpt != "" {
						line += "\n  actual: " + strconv.Quote(f.Excerpt)
					}
					fails = append(fails, line)
				}
				if firstFail == "" {
					firstFail = prefix + clean(res.Failures[0].Assertion) + ": " + clean(res.Failures[0].Message)
				}
				if tc.SystemOut == "" && len(res.Turns) > 0 {
					tc.SystemOut = res.Turns[len(res.Turns)-1].Answer
				}
			}
		}
		tc.Time = seconds(took)
		total += took
		s.Tests++
		doc.Tests++
		switch {
		case len(fails) > 0:
			tc.Failure = &junitProblem{Message: firstFail, Type: "assertion", Text: strings.Join(fails, "\n")}
			s.Failures++
			doc.Failures++
		case len(errs) > 0:
			tc.Error = &junitProblem{Message: firstErr, Type: "call", Text: strings.Join(errs, "\n")}
			s.Errors++
			doc.Errors++
		}
		s.Cases = append(s.Cases, tc)
	}
	for i := range doc.Suites {
		var d time.Duration
		for _, tc := range doc.Suites[i].Cases {
			f, _ := strconv.ParseFloat(tc.Time, 64)
			d += time.Duration(f * float64(time.Second))
		}
		doc.Suites[i].Time = seconds(d)
	}
	doc.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
