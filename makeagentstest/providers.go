package makeagentstest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// The fake's LLM providers and connections: a fixed catalogue, the same for
// every team. Each provider is tied to one Make connection whose id is not
// the provider's id (Make does not document how the two relate, and its own
// example shows an agent with makeConnectionId 18 and llmProviderId 9):
// providers are 1-3, connections 1001-1003, so a client that confuses them
// gets a 400 naming makeConnectionId. An agent created on one of these
// connections reports the provider's id as llmProviderId and its account
// name as makeConnectionType; its defaultModel (and a run's llmModel) must
// be one of that provider's models.

type catalogueEntry struct {
	provider       fakeapi.LLMProvider
	connectionID   int64
	connectionName string
	models         []fakeapi.LLMModel
}

func model(name string, provider fakeapi.LLMProviderType, tokenLimit, maxTokens int64) fakeapi.LLMModel {
	return fakeapi.LLMModel{Model: name, Provider: provider, TokenLimit: tokenLimit, Settings: fakeapi.LLMModelSettings{MaxTokens: &maxTokens}}
}

var catalogue = []catalogueEntry{
	{fakeapi.LLMProvider{ID: 1, Provider: fakeapi.LLMProviderTypeOpenAi, AccountName: "openai-gpt-3"}, 1001, "OpenAI (fake)", []fakeapi.LLMModel{
		model("gpt-4.1-mini", fakeapi.LLMProviderTypeOpenAi, 1047576, 32768),
		model("gpt-4o", fakeapi.LLMProviderTypeOpenAi, 128000, 16384),
		model("o4-mini", fakeapi.LLMProviderTypeOpenAi, 200000, 100000),
	}},
	{fakeapi.LLMProvider{ID: 2, Provider: fakeapi.LLMProviderTypeAnthropic, AccountName: "anthropic-claude"}, 1002, "Anthropic Claude (fake)", []fakeapi.LLMModel{
		model("claude-3-7-sonnet-latest", fakeapi.LLMProviderTypeAnthropic, 200000, 64000),
		model("claude-3-5-haiku-latest", fakeapi.LLMProviderTypeAnthropic, 200000, 8192),
	}},
	{fakeapi.LLMProvider{ID: 3, Provider: fakeapi.LLMProviderTypeGemini, AccountName: "gemini-flash"}, 1003, "Google Gemini (fake)", []fakeapi.LLMModel{
		model("gemini-2.5-flash", fakeapi.LLMProviderTypeGemini, 1048576, 65536),
	}},
}

// Connection is one of the fake's Make connections to an LLM provider: the
// makeConnectionId an agent is created with.
type Connection struct {
	// ID is the connection's id (makeConnectionId), never a provider's id.
	ID int64
	// Name is the connection's display name, e.g. "OpenAI (fake)".
	Name string
	// AccountName is the connection's type, the same as its provider's
	// accountName and an agent's makeConnectionType, e.g. "openai-gpt-3".
	AccountName string
	// ProviderID is the id of the LLM provider the connection reaches.
	ProviderID int64
}

// Connections returns the fake's connections to LLM providers, one per
// provider, in the order of Providers. The same for every team.
func (s *Server) Connections() []Connection {
	out := make([]Connection, len(catalogue))
	for i, e := range catalogue {
		out[i] = Connection{ID: e.connectionID, Name: e.connectionName, AccountName: e.provider.AccountName, ProviderID: e.provider.ID}
	}
	return out
}

// Models returns the models of the provider providerID (none for an
// unknown provider), as listLLMProviderModels answers.
func (s *Server) Models(providerID int64) []api.LLMModel {
	e, ok := providerByID(providerID)
	if !ok {
		return nil
	}
	out := make([]api.LLMModel, len(e.models))
	for i, m := range e.models {
		convert(m, &out[i])
	}
	return out
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

func connectionByID(id int64) (catalogueEntry, bool) {
	i := slices.IndexFunc(catalogue, func(e catalogueEntry) bool { return e.connectionID == id })
	if i < 0 {
		return catalogueEntry{}, false
	}
	return catalogue[i], true
}

// checkConnection returns Make's 400 for a makeConnectionId that is none of
// the fake's connections, naming a provider id used in its place.
func checkConnection(id int64) (catalogueEntry, *fakeapi.BadRequestJSONResponse) {
	if e, ok := connectionByID(id); ok {
		return e, nil
	}
	problem := fmt.Sprintf("no connection %d in this team", id)
	if _, ok := providerByID(id); ok {
		problem += fmt.Sprintf(" (%d is an LLM provider's id; its connection is %d)", id, catalogue[slices.IndexFunc(catalogue, func(e catalogueEntry) bool { return e.provider.ID == id })].connectionID)
	}
	bad := invalidField("makeConnectionId", problem)
	return catalogueEntry{}, &bad
}

// checkModel returns Make's 400 naming field when model is not one of the
// models of e's provider.
func checkModel(e catalogueEntry, field, model string) *fakeapi.BadRequestJSONResponse {
	names := make([]string, len(e.models))
	for i, m := range e.models {
		if m.Model == model {
			return nil
		}
		names[i] = m.Model
	}
	bad := invalidField(field, fmt.Sprintf("model %q is not a model of LLM provider %d (%s) of connection %d; it has %s",
		model, e.provider.ID, e.provider.Provider, e.connectionID, strings.Join(names, ", ")))
	return &bad
}

// describeConnection fills what get shows about an agent's connection: the
// provider and the connection's account name, when the connection is one of
// the catalogue's.
func describeConnection(a *fakeapi.Agent) {
	a.LLMProviderID, a.MakeConnectionType = nil, nil
	if a.MakeConnectionID == nil {
		return
	}
	for _, e := range catalogue {
		if e.connectionID == *a.MakeConnectionID {
			id, name := e.provider.ID, e.provider.AccountName
			a.LLMProviderID, a.MakeConnectionType = &id, &name
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
