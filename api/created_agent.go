package api

// ResolvedID returns the new agent's ID whichever key the server used:
// agentId (Make's 201 example), id (as list and get call it), or an
// {"agent":{"id":...}} wrapper seen in one third-party client. It returns ""
// when none is present.
func (c CreatedAgent) ResolvedID() string {
	if c.AgentID != nil && *c.AgentID != "" {
		return *c.AgentID
	}
	if c.ID != nil && *c.ID != "" {
		return *c.ID
	}
	if wrapped, ok := c.AdditionalProperties["agent"].(map[string]any); ok {
		if id, ok := wrapped["id"].(string); ok {
			return id
		}
	}
	return ""
}
