// Where MCP clients keep their configs outside the workspace, in one place so that config discovery elsewhere
// (`signet doctor`) can use the same list. Read-only knowledge: nothing here touches a file.
//
// - Claude Code: `~/.claude.json` holds the servers added with `claude mcp add`: user scope (`--scope user`) under
//   the top-level `mcpServers`, local scope (the default) under `projects[<project folder>].mcpServers`. The
//   project scope is the workspace's `.mcp.json`, handled with the workspace files.
// - VS Code: the user-level `mcp.json` in the profile folder: `~/.config/Code/User` on Linux (or under
//   `$XDG_CONFIG_HOME`), `~/Library/Application Support/Code/User` on macOS, `%APPDATA%\Code\User` on Windows.
import { join, resolve, win32 } from 'node:path';

export interface ConfigEnvironment {
  userHome: string;
  platform?: NodeJS.Platform;
  /** The variables the locations depend on (XDG_CONFIG_HOME, APPDATA); none for a test's made-up home. */
  env?: NodeJS.ProcessEnv;
}

/** The folder of VS Code's user settings (and user-level mcp.json) on this platform. */
export function vscodeUserDir({ userHome, platform = process.platform, env = {} }: ConfigEnvironment): string {
  switch (platform) {
    case 'darwin':
      return join(userHome, 'Library', 'Application Support', 'Code', 'User');
    case 'win32':
      return win32.join(env.APPDATA ?? win32.join(userHome, 'AppData', 'Roaming'), 'Code', 'User');
    default:
      return join(env.XDG_CONFIG_HOME || join(userHome, '.config'), 'Code', 'User');
  }
}

export function vscodeUserMcpJson(environment: ConfigEnvironment): string {
  const dir = vscodeUserDir(environment);
  return (environment.platform ?? process.platform) === 'win32' ? win32.join(dir, 'mcp.json') : join(dir, 'mcp.json');
}

/** Claude Code's own state file, which also holds its user- and local-scope MCP servers. */
export function claudeUserConfig({ userHome }: ConfigEnvironment): string {
  return join(userHome, '.claude.json');
}

/**
 * Where in `~/.claude.json` the servers of a scope are: `["mcpServers"]` for user scope, and for local scope
 * `["projects", <folder>, "mcpServers"]`, keyed by the project folder's absolute path as Claude Code was started in.
 */
export function claudeServerLocations(workspace: string): { user: string[]; local: string[] } {
  return { user: ['mcpServers'], local: ['projects', resolve(workspace), 'mcpServers'] };
}
