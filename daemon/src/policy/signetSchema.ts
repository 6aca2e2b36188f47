// The Cedar schema owner policies are validated against. Principal: the agent, with its DID, name and the chain
// it acts for. Action: the UCAN command. Resource: what is touched, one evaluation each: a canonical path
// (File), a simple command of a shell line (Command), or the tool itself when neither is involved (Tool).
// Context: the call as a whole.

/** Commands that have a Cedar action of their own; any other command is `Signet::Action::"/other"`. */
export const KNOWN_COMMANDS = [
  '/mcp/tools/call',
  '/mcp/resources/read',
  '/mcp/prompts/get',
  '/claude-code/tools/bash',
  '/claude-code/tools/read',
  '/claude-code/tools/write',
  '/claude-code/tools/edit',
  '/claude-code/tools/multiedit',
  '/claude-code/tools/notebookedit',
  '/claude-code/tools/glob',
  '/claude-code/tools/grep',
  '/claude-code/tools/webfetch',
  '/claude-code/tools/websearch',
  '/claude-code/tools/task',
  '/vscode/tools/run_in_terminal',
  '/vscode/tools/editfiles',
  '/vscode/tools/createfile',
  '/vscode/tools/readfile',
  '/cursor/tools/shell',
  '/cursor/tools/edit',
  '/cursor/tools/read',
] as const;

const actions = [...KNOWN_COMMANDS, '/other']
  .map((cmd) => `  action ${JSON.stringify(cmd)} in [Action::"any"] appliesTo { principal: Agent, resource: [File, Command, Tool], context: Call };`)
  .join('\n');

export const SIGNET_SCHEMA = `namespace Signet {
  type Call = {
    cmd: String,
    server: String,
    tool: String,
    workspace: String,
    now: Long,
    hourUtc: Long,
    argsText: String,
    shellLine: String,
    shell: Bool,
  };
  entity Agent = {
    did: String,
    name: String,
    chain: Set<String>,
    actingFor: Set<String>,
  };
  entity File = {
    path: String,
    name: String,
    inWorkspace: Bool,
    workspaceRelative: String,
    homeRelative: String,
    inSignetHome: Bool,
    access: String,
    viaCommand: String,
  };
  entity Command = {
    program: String,
    args: Set<String>,
    line: String,
    subcommand: String,
    via: Set<String>,
    stdinFrom: String,
  };
  entity Tool = {
    server: String,
    tool: String,
  };
  action "any";
${actions}
}
`;
