package api

// Known values of ApprovalMode. The spec declares approvalMode as an open
// string (see its x-makeagents-note), so values Make adds later decode too.
const (
	// ApprovalModeAutoRun lets the agent run the scenario on its own (default).
	ApprovalModeAutoRun ApprovalMode = "auto-run"
	// ApprovalModeApprovalRequired asks a person to approve each run.
	ApprovalModeApprovalRequired ApprovalMode = "approval-required"
)

// Known values of Step.Role.
const (
	StepRoleSystem    = "system"
	StepRoleUser      = "user"
	StepRoleAssistant = "assistant"
	StepRoleTool      = "tool"
)

// Known values of OutputParserFormat.Type.
const (
	OutputParserTypeText       = "text"
	OutputParserTypeMakeSchema = "make-schema"
)
