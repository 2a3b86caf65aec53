package api

// Known values of ApprovalMode. The spec declares approvalMode as an open
// string (see its x-makeagents-note), so values Make adds later decode too.
// The closed value sets (StepRole, ToolType, ToolResponseStatus, MessageRole,
// SchemaFieldType) have generated constants; an unknown value still decodes
// into those string types, it is simply not one of the constants.
const (
	// ApprovalModeAutoRun lets the agent run the scenario on its own (Make's default).
	ApprovalModeAutoRun ApprovalMode = "auto-run"
	// ApprovalModeApprovalRequired asks a person to approve each run.
	ApprovalModeApprovalRequired ApprovalMode = "approval-required"
)

// Known values of ScenarioType: a scenario's type, and the type filter of
// ListScenarios (ScenarioQuery.Type, ListScenariosParams.Type). An open
// string in the spec (see its x-makeagents-note), so a type Make adds later
// decodes; the filter takes only these two.
const (
	// ScenarioTypeScenario is an ordinary scenario.
	ScenarioTypeScenario ScenarioType = "scenario"
	// ScenarioTypeTool is a scenario an AI agent can call as a tool.
	ScenarioTypeTool ScenarioType = "tool"
)
