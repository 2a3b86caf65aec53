package spec

// Regenerate spec.gen.go (the embedded, compressed copy of openapi.yaml)
// with the oapi-codegen version pinned in go.mod (see tools.go at the root).
// An embed directive cannot reach openapi.yaml from here, and the root
// package, which can, must stay out of every user's import graph: it holds
// tools.go.
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config config.yaml ../../openapi.yaml
