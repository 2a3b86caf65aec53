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
