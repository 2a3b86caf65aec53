// Package makeagents is the root of makeagents-go, the Go SDK and CLI for
// Make's AI Agents API (open beta).
//
// The typed client and models live in package api, generated from
// openapi.yaml; package sse reads the run/stream endpoint's Server-Sent
// Events; package makeagentstest is an in-process fake of the API; and
// cmd/makeagents is the command-line tool.
//
//	client, err := api.NewClientWithResponses("https://eu1.make.com/api/v2", api.WithRequestEditorFn(auth))
//	res, err := client.ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: 1})
//	for _, a := range *res.JSON200 {
//		fmt.Println(a.ID, a.Name)
//	}
//
// This package itself holds only the embedded spec, so that tools built on
// the SDK (the fake, conformance checks) validate against exactly the
// openapi.yaml the client was generated from.
package makeagents

import _ "embed"

// Regenerate api/api.gen.go from openapi.yaml with the oapi-codegen version
// pinned in go.mod (see tools.go).
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config api/config.yaml openapi.yaml

// OpenAPISpec is openapi.yaml, byte for byte.
//
//go:embed openapi.yaml
var OpenAPISpec []byte
