// Package validated lets the sse package tell api's validation layer that a
// run body has already been checked, so it is not decoded a second time.
// It is internal so that no caller outside the module can claim it.
package validated

import "context"

type runBodyKey struct{}

// WithRunBody returns ctx marked: the run request built with it was made
// from a RunAgentRequest that api.ValidateRunRequest accepted.
func WithRunBody(ctx context.Context) context.Context {
	return context.WithValue(ctx, runBodyKey{}, true)
}

// RunBody reports whether ctx carries the mark of WithRunBody.
func RunBody(ctx context.Context) bool {
	v, _ := ctx.Value(runBodyKey{}).(bool)
	return v
}
