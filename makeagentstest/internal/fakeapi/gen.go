// Package fakeapi is the server side of makeagentstest generated from
// openapi.yaml (std-http-server + strict-server + models), so that the fake
// and package api's client are two halves of the same contract and meet over
// the wire. Only server.gen.go is generated; this file and agent_list.go are
// hand-written.
package fakeapi

// Regenerate server.gen.go from the repository's openapi.yaml with the
// oapi-codegen version pinned in go.mod (see tools.go at the root).
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config config.yaml ../../../openapi.yaml
