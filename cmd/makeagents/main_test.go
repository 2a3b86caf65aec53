package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"
	"go.uber.org/goleak"
)

// cliScan collects every stdout and stderr of the CLI runs in this package
// with the token each run had; TestMain fails the run if a token shows up
// in any of them, or if a line says "makeagents:" more than once (one
// prefix per message, whatever the wrapping).
var cliScan struct {
	mu       sync.Mutex
	texts    []string
	leaks    []string
	prefixes []string
}

// scanCLI records one run's output against its token.
func scanCLI(env map[string]string, texts ...string) {
	tok := strings.TrimSpace(env["MAKE_API_TOKEN"])
	cliScan.mu.Lock()
	defer cliScan.mu.Unlock()
	for _, t := range texts {
		cliScan.texts = append(cliScan.texts, t)
		if len(tok) >= 8 && strings.Contains(t, tok) {
			cliScan.leaks = append(cliScan.leaks, strings.ReplaceAll(t, tok, "<TOKEN>"))
		}
		for line := range strings.Lines(t) {
			if strings.Count(line, "makeagents:") > 1 {
				cliScan.prefixes = append(cliScan.prefixes, line)
			}
		}
	}
}

// Every command, including interrupted streams and conformance runs, must
// leave no goroutine behind, and no output may carry the token.
func TestMain(m *testing.M) {
	code := m.Run()
	cliScan.mu.Lock()
	leaks, total := cliScan.leaks, len(cliScan.texts)
	cliScan.mu.Unlock()
	if code == 0 && len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: the API token appears in %d CLI outputs (shown as <TOKEN>):\n", len(leaks))
		for _, l := range leaks {
			fmt.Fprintf(os.Stderr, "   %.500s\n", l)
		}
		code = 1
	}
	if code == 0 && len(cliScan.prefixes) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d CLI output lines say makeagents: more than once:\n", len(cliScan.prefixes))
		for _, l := range cliScan.prefixes {
			fmt.Fprintf(os.Stderr, "   %.500s\n", strings.TrimSuffix(l, "\n"))
		}
		code = 1
	}
	if code == 0 && total == 0 && wholeSuite() {
		fmt.Fprintln(os.Stderr, "FAIL: the CLI output scan saw nothing; is it wired up?")
		code = 1
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: goroutines left behind: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// commandTable is the CLI's runnable commands, in the order help lists
// them, from a fresh command tree.
func commandTable() []*cobra.Command {
	f := &factory{env: func(string) string { return "" }}
	newRootCmd(f)
	return f.commands
}

// wholeSuite reports whether every test ran (no -run or -skip filter), so
// the scan's floor only applies when all of them contributed.
func wholeSuite() bool {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.run") || strings.HasPrefix(a, "-test.skip") {
			return false
		}
	}
	return true
}
