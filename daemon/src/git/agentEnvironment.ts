// Puts an agent's SIGNET_AGENT and SIGNET_AGENT_SECRET into Claude Code's project-local settings
// (`.claude/settings.local.json`, `env`), so that every command Claude Code runs in the repository, `git commit`
// among them, proves which agent it is. The local settings file is the one Claude Code keeps out of git; the
// rest of the file, comments and formatting included, stays as it was, and `undo` puts the two keys back as found.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { applyEdits, modify } from 'jsonc-parser/lib/esm/main.js';
import { parseConfig } from '../mcp/protectConfig';

export const AGENT_ENV_KEYS = ['SIGNET_AGENT', 'SIGNET_AGENT_SECRET'] as const;

export function claudeLocalSettings(repo: string): string {
  return join(repo, '.claude', 'settings.local.json');
}

/** What the file held before: whether it existed, its text, each key's value (null when absent), and what setup wrote. */
export interface EnvironmentBefore {
  path: string;
  existed: boolean;
  values: Record<string, string | null>;
  text: string | null;
  written: string;
}

function envOf(text: string, path: string): Record<string, unknown> {
  const env = parseConfig(text, path).env;
  return typeof env === 'object' && env !== null && !Array.isArray(env) ? (env as Record<string, unknown>) : {};
}

const formattingOptions = { insertSpaces: true, tabSize: 2 };

/** Writes the agent's variables into the settings' `env`; returns what was there, for `undo`. */
export async function writeAgentEnvironment(repo: string, values: Record<(typeof AGENT_ENV_KEYS)[number], string>): Promise<EnvironmentBefore> {
  const path = claudeLocalSettings(repo);
  const existed = existsSync(path);
  let text = existed ? await readFile(path, 'utf8') : '{}\n';
  const env = envOf(text, path);
  const original = existed ? text : null;
  const before = { path, existed, values: Object.fromEntries(AGENT_ENV_KEYS.map((k) => [k, typeof env[k] === 'string' ? (env[k] as string) : null])), text: original };
  for (const key of AGENT_ENV_KEYS) text = applyEdits(text, modify(text, ['env', key], values[key], { formattingOptions }));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { mode: 0o600 });
  return { ...before, written: text };
}

/** Puts the file back as it was; when it was edited since, puts the two keys back and keeps the rest. */
export async function restoreAgentEnvironment(before: EnvironmentBefore): Promise<void> {
  if (!existsSync(before.path)) return;
  let text = await readFile(before.path, 'utf8');
  // Untouched since setup: the file goes back byte for byte. Changed since: only the two keys are put back.
  if (text === before.written) {
    if (before.text === null) await rm(before.path);
    else await writeFile(before.path, before.text);
    return;
  }
  for (const key of AGENT_ENV_KEYS) text = applyEdits(text, modify(text, ['env', key], before.values[key] ?? undefined, { formattingOptions }));
  const settings = parseConfig(text, before.path);
  const env = settings.env;
  if (env && typeof env === 'object' && Object.keys(env).length === 0) text = applyEdits(text, modify(text, ['env'], undefined, { formattingOptions }));
  if (!before.existed && Object.keys(parseConfig(text, before.path)).length === 0) await rm(before.path);
  else await writeFile(before.path, text);
}
