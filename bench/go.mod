module github.com/makeagents/makeagents-go/bench

go 1.26.0

replace github.com/makeagents/makeagents-go => ../

require (
	github.com/goccy/go-json v0.12.0
	github.com/json-iterator/go v1.1.12
	github.com/launchdarkly/eventsource v1.11.0
	github.com/makeagents/makeagents-go v0.0.0-00010101000000-000000000000
	github.com/openai/openai-go/v3 v3.98.0
	github.com/tmaxmax/go-sse v0.12.0
)

require (
	github.com/apapsch/go-jsonmerge/v2 v2.0.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/modern-go/concurrent v0.0.0-20180228061459-e0a39a4cb421 // indirect
	github.com/modern-go/reflect2 v1.0.2 // indirect
	github.com/oapi-codegen/runtime v1.9.0 // indirect
	github.com/tidwall/gjson v1.20.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.1 // indirect
	golang.org/x/time v0.16.0 // indirect
)
