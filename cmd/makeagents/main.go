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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
