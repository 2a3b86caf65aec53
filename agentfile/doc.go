// Package agentfile keeps a team's Make AI agents as code: a file of the
// agents a team should have (YAML or JSON), a plan of what differs between
// that file and the team, and an apply that makes the team match it. It is
// what "makeagents export", "plan" and "apply" run.
//
//	f, err := agentfile.Load("agents.yaml")
//	plan, err := agentfile.Plan(ctx, client, f, agentfile.PlanOptions{})
//	plan.WriteText(os.Stdout)
//	if plan.HasChanges() {
//		res, err := agentfile.Apply(ctx, client, plan, agentfile.ApplyOptions{})
//	}
//
// Agents are found by name, never by id: the same file applies to a test
// team and to a production team, and every name in it (provider, connection,
// model, tool scenario) is resolved to the team's ids before anything is
// written, so a name the team does not have fails the plan and names what
// the team has. A field the file leaves out is not managed: plan compares
// and apply writes only what the file says. Nothing that is not in the file
// is deleted (agents, knowledge contexts) unless PlanOptions.Prune is set.
//
// Knowledge: Make cannot give back what a context was made from, so each
// context the file declares is uploaded under a document name that carries
// a short hash of its content ("faq (3f2a9c1b0d4e).md", "returns-policy
// (9e0c1d2b3a4f)"). A context whose name and hash match is unchanged; one
// with the same name and another hash is replaced (the new one is added
// before the old one is deleted). Export writes contexts back as their
// document names ("documentName: ..."), which keep them as they are.
package agentfile
