// Command makeagents is the command-line tool for Make's AI Agents API:
// list, create, get, update and delete agents, run them, stream a run step by
// step, and take an offline tour (`makeagents demo`) on an in-process fake of
// the API.
//
// Configuration comes from the environment (MAKE_API_TOKEN, MAKE_TEAM_ID,
// MAKE_ZONE, MAKE_BASE_URL) or flags, flags winning. Run `makeagents --help`
// for the commands and exit statuses.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// The first Ctrl-C cancels the command (which may still clean up, as
	// conformance deletes its scratch agent); the second ends that wait.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan struct{})
	go func() {
		<-sigs
		cancel()
		<-sigs
		close(second)
	}()
	code := run(withSecondInterrupt(ctx, second), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	os.Exit(code)
}
