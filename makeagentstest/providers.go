package makeagentstest

import (
	"context"
	"slices"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// The fake's LLM providers: a fixed catalogue, the same for every team. Each
// provider is tied to a Make connection whose id is not the provider's id
// (Make does not document how the two relate, and its own example shows an
// agent with makeConnectionId 18 and llmProviderId 9), so a client that
// confuses them fails against the fake. An agent created on one of these
// connections reports the provider's id as llmProviderId and its account
// name as makeConnectionType.

type catalogueEntry struct {
	provider     fakeapi.LLMProvider
	connectionID int64
	models       []fakeapi.LLMModel
}

func model(name string, provider fakeapi.LLMProviderType, tokenLimit, maxTokens int64) fakeapi.LLMModel {
	return fakeapi.LLMModel{Model: name, Provider: provider, TokenLimit: tokenLimit, Settings: fakeapi.LLMModelSettings{MaxTokens: &maxTokens}}
}

var catalogue = []catalogueEntry{
	{fakeapi.LLMProvider{ID: 1, Provider: fakeapi.LLMProviderTypeOpenAi, AccountName: "openai-gpt-3"}, 1001, []fakeapi.LLMModel{
		model("gpt-4.1-mini", fakeapi.LLMProviderTypeOpenAi, 1047576, 32768),
		model("gpt-4o", fakeapi.LLMProviderTypeOpenAi, 128000, 16384),
		model("o4-mini", fakeapi.LLMProviderTypeOpenAi, 200000, 100000),
	}},
	{fakeapi.LLMProvider{ID: 2, Provider: fakeapi.LLMProviderTypeAnthropic, AccountName: "anthropic-claude"}, 1002, []fakeapi.LLMModel{
		model("claude-3-7-sonnet-latest", fakeapi.LLMProviderTypeAnthropic, 200000, 64000),
		model("claude-3-5-haiku-latest", fakeapi.LLMProviderTypeAnthropic, 200000, 8192),
	}},
	{fakeapi.LLMProvider{ID: 3, Provider: fakeapi.LLMProviderTypeGemini, AccountName: "gemini-flash"}, 1003, []fakeapi.LLMModel{
		model("gemini-2.5-flash", fakeapi.LLMProviderTypeGemini, 1048576, 65536),
	}},
}

// Providers returns the fake's LLM providers, as listLLMProviders answers.
func (s *Server) Providers() []api.LLMProvider {
	out := make([]api.LLMProvider, len(catalogue))
	for i, e := range catalogue {
		convert(e.provider, &out[i])
	}
	return out
}

// ConnectionID returns the Make connection id the fake ties to the provider
// providerID (0 if there is no such provider): the makeConnectionId to
// create an agent with, so that its get shows that provider.
func (s *Server) ConnectionID(providerID int64) int64 {
	if e, ok := providerByID(providerID); ok {
		return e.connectionID
	}
	return 0
}

func providerByID(id int64) (catalogueEntry, bool) {
	i := slices.IndexFunc(catalogue, func(e catalogueEntry) bool { return e.provider.ID == id })
	if i < 0 {
		return catalogueEntry{}, false
	}
	return catalogue[i], true
}

// describeConnection fills what get shows about an agent's connection: the
// provider and the connection's account name, when the connection is one of
// the catalogue's.
func describeConnection(a *fakeapi.Agent) {
	a.LlmProviderID, a.MakeConnectionType = nil, nil
	if a.MakeConnectionID == nil {
		return
	}
	for _, e := range catalogue {
		if e.connectionID == *a.MakeConnectionID {
			id, name := e.provider.ID, e.provider.AccountName
			a.LlmProviderID, a.MakeConnectionType = &id, &name
		}
	}
}

func providerNotFound() fakeapi.NotFoundJSONResponse {
	return fakeapi.NotFoundJSONResponse(makeError("Not found", "LLM provider not found.", "SC404"))
}

func (h handlers) ListLLMProviders(context.Context, fakeapi.ListLLMProvidersRequestObject) (fakeapi.ListLLMProvidersResponseObject, error) {
	out := make(fakeapi.ListLLMProviders200JSONResponse, len(catalogue))
	for i, e := range catalogue {
		out[i] = e.provider
	}
	return out, nil
}

// GetLLMProvider answers with an array of one provider, as Make documents.
func (h handlers) GetLLMProvider(_ context.Context, req fakeapi.GetLLMProviderRequestObject) (fakeapi.GetLLMProviderResponseObject, error) {
	e, ok := providerByID(req.ProviderID)
	if !ok {
		return fakeapi.GetLLMProvider404JSONResponse{NotFoundJSONResponse: providerNotFound()}, nil
	}
	return fakeapi.GetLLMProvider200JSONResponse{{ID: e.provider.ID, Provider: e.provider.Provider}}, nil
}

func (h handlers) ListLLMProviderModels(_ context.Context, req fakeapi.ListLLMProviderModelsRequestObject) (fakeapi.ListLLMProviderModelsResponseObject, error) {
	e, ok := providerByID(req.ProviderID)
	if !ok {
		return fakeapi.ListLLMProviderModels404JSONResponse{NotFoundJSONResponse: providerNotFound()}, nil
	}
	return fakeapi.ListLLMProviderModels200JSONResponse(slices.Clone(e.models)), nil
}
