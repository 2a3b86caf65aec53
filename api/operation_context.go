package api

import "context"

// operationKey carries, on a request's context, the operationId of the
// generated method that built the request (see internal/codegen/client.tmpl).
type operationKey struct{}

func withOperation(ctx context.Context, operationID string) context.Context {
	return context.WithValue(ctx, operationKey{}, operationID)
}

func operationFromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(operationKey{}).(string)
	return id, ok && id != ""
}
