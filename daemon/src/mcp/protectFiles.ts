// `signet protect` on disk: for each config file of the chosen clients, rewrite it (see protectConfig.ts), after
// saving the original under `$SIGNET_HOME/backups/`; `--dry-run` prints the diff and touches nothing; `--undo`
// puts the latest backup back. Backups live in the Signet home, not next to the config, so they are never
// committed along with a workspace's `.vscode/mcp.json`.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../home/atomicFile';
import { homePaths } from '../home/signetHome';
import { ensureLauncher, launcherPath, type LauncherTarget } from './launcher';
import { configFilesFor, defaultAgentFor, protectConfigText, type ConfigFile, type McpClientKind, type ServerChange } from './protectConfig';
import { unifiedDiff } from './textDiff';

export interface ProtectOptions {
  home: string;
  clients: readonly McpClientKind[];
  workspace: string;
  /** Where user-level configs live (Cursor's `~/.cursor/mcp.json`); the real home unless a test says otherwise. */
  userHome?: string;
  /** Overrides the per-client default agent name. */
  agent?: string;
  /** Put `signet mcp-guard` in front of each local stdio server too, trusting these DIDs (see userDidOf). */
  guard?: { trust: readonly string[] };
  dryRun?: boolean;
  /** What the launcher runs; this process's Node and script by default. */
  launcherTarget?: LauncherTarget;
  now?: () => Date;
}

export type FileStatus = 'missing' | 'unchanged' | 'changed' | 'would-change' | 'restored' | 'would-restore' | 'nothing-to-undo';

export interface FileOutcome {
  file: ConfigFile;
  status: FileStatus;
  servers: ServerChange[];
  /** The unified diff of the change made (or, in a dry run, that would be made). */
  diff: string;
  /** In a dry run, the text the file would have (for an editor's side-by-side preview). */
  preview?: string;
  /** The backup written before the change, or restored by an undo. */
  backup?: string;
  /** Something the person should know, such as edits made after protecting that an undo set aside. */
  note?: string;
}

export interface ProtectReport {
  launcher: string;
  launcherChanged: boolean;
  files: FileOutcome[];
}

interface BackupIndex {
  path: string;
  backups: { file: string; createdAt: string; writtenSha256: string }[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function backupDir(home: string, path: string): string {
  const readable = `${basename(dirname(path))}-${basename(path)}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(home, 'backups', `${readable}-${sha256(path).slice(0, 12)}`);
}

async function readIndex(dir: string, path: string): Promise<BackupIndex> {
  try {
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as BackupIndex;
    if (index.path === path && Array.isArray(index.backups)) return index;
  } catch {
    /* no backups yet */
  }
  return { path, backups: [] };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Writes `text` over `path`, keeping the file's permissions. */
async function replaceFile(path: string, text: string): Promise<void> {
  const mode = (await stat(path)).mode & 0o777;
  await writeFileAtomic(path, text, mode);
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

/** The user DID of a Signet home, read from its identities file (no daemon needed), or undefined before the first start. */
export async function userDidOf(home: string): Promise<string | undefined> {
  const text = await readIfExists(homePaths(home).identities);
  if (text === undefined) return undefined;
  const did = (JSON.parse(text) as { user?: { did?: unknown } }).user?.did;
  return typeof did === 'string' ? did : undefined;
}

export async function protect(options: ProtectOptions): Promise<ProtectReport> {
  const now = options.now ?? (() => new Date());
  const launcher = launcherPath(options.home);
  let launcherChanged = false;
  if (!options.dryRun) launcherChanged = (await ensureLauncher(options.home, options.launcherTarget)).changed;
  const files: FileOutcome[] = [];
  for (const client of options.clients) {
    for (const file of configFilesFor(client, options.workspace, options.userHome ?? homedir())) {
      const before = await readIfExists(file.path);
      if (before === undefined) {
        files.push({ file, status: 'missing', servers: [], diff: '' });
        continue;
      }
      const result = protectConfigText(before, file.path, {
        serversKey: file.serversKey,
        launcher,
        agent: options.agent ?? defaultAgentFor[client],
        ...(file.workspaceArg ? { workspaceArg: file.workspaceArg } : {}),
        ...(options.guard ? { guard: options.guard } : {}),
      });
      const diff = unifiedDiff(before, result.text, { from: file.path, to: `${file.path} (protected by Signet)` });
      if (!result.changed) {
        files.push({ file, status: 'unchanged', servers: result.servers, diff: '' });
        continue;
      }
      if (options.dryRun) {
        files.push({ file, status: 'would-change', servers: result.servers, diff, preview: result.text });
        continue;
      }
      const dir = backupDir(options.home, file.path);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const backup = join(dir, `${stamp(now())}.json`);
      await writeFileAtomic(backup, before, 0o600);
      await replaceFile(file.path, result.text);
      const index = await readIndex(dir, file.path);
      index.backups.push({ file: basename(backup), createdAt: now().toISOString(), writtenSha256: sha256(result.text) });
      await writeFileAtomic(join(dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`, 0o600);
      files.push({ file, status: 'changed', servers: result.servers, diff, backup });
    }
  }
  return { launcher, launcherChanged, files };
}

/**
 * Puts back the config as it was before the latest `signet protect`. Edits made to the file since then are not
 * thrown away silently: the current text is saved next to the backups and the outcome says where.
 */
export async function undoProtect(options: ProtectOptions): Promise<ProtectReport> {
  const now = options.now ?? (() => new Date());
  const files: FileOutcome[] = [];
  for (const client of options.clients) {
    for (const file of configFilesFor(client, options.workspace, options.userHome ?? homedir())) {
      const dir = backupDir(options.home, file.path);
      const index = await readIndex(dir, file.path);
      const latest = index.backups.at(-1);
      const current = await readIfExists(file.path);
      if (!latest) {
        files.push({ file, status: current === undefined ? 'missing' : 'nothing-to-undo', servers: [], diff: '' });
        continue;
      }
      const backupPath = join(dir, latest.file);
      const original = await readFile(backupPath, 'utf8');
      const diff = unifiedDiff(current ?? '', original, { from: `${file.path} (protected)`, to: `${file.path} (as before signet protect)` });
      const editedSince = current !== undefined && sha256(current) !== latest.writtenSha256;
      if (options.dryRun) {
        files.push({ file, status: 'would-restore', servers: [], diff, backup: backupPath, ...(editedSince ? { note: 'the file was edited after it was protected; those edits would be set aside' } : {}) });
        continue;
      }
      let note: string | undefined;
      if (editedSince && current !== undefined) {
        const aside = join(dir, `${stamp(now())}.edited-before-undo.json`);
        await writeFileAtomic(aside, current, 0o600);
        note = `the file was edited after it was protected; that version is saved at ${aside}`;
      }
      if (current === undefined) {
        await mkdir(dirname(file.path), { recursive: true });
        await writeFileAtomic(file.path, original, 0o644);
      } else {
        await replaceFile(file.path, original);
      }
      await rename(backupPath, backupPath.replace(/\.json$/, '.restored.json'));
      index.backups.pop();
      await writeFileAtomic(join(dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`, 0o600);
      files.push({ file, status: 'restored', servers: [], diff, backup: backupPath, ...(note ? { note } : {}) });
    }
  }
  return { launcher: launcherPath(options.home), launcherChanged: false, files };
}

/**
 * What to do so the client does not ask a second time for a call Signet already decided: Signet's own prompt
 * (or a delegation) is the decision, so the client's confirmation is redundant for protected servers.
 */
export function secondPromptHint(client: McpClientKind, servers: readonly string[], launcher = '~/.signet/bin/signet'): string {
  if (servers.length === 0) return '';
  switch (client) {
    case 'claude-code': {
      const rules = servers.map((s) => `"mcp__${s}"`).join(', ');
      return [
        'Claude Code: Signet now decides these servers\' tool calls. So that Claude Code does not ask again, allow them in',
        `.claude/settings.local.json: { "permissions": { "allow": [${rules}] } }`,
        `To cover the built-in tools (Bash, Edit, Write…) too, add a PreToolUse hook that runs \`${launcher} hook claude-code\``,
        '(with a "timeout" longer than Signet\'s approval timeout, so a pending approval is not cut short).',
      ].join('\n');
    }
    case 'vscode':
      return [
        'VS Code: Signet now decides these servers\' tool calls. So that Copilot does not ask again, open the tool',
        `confirmation once and pick "Always Allow" (or "Allow in this Workspace") for the server (${servers.join(', ')}).`,
        'Signet still prompts for anything no delegation covers.',
      ].join('\n');
    case 'cursor':
      return [
        'Cursor: Signet now decides these servers\' tool calls. So that Cursor does not ask again, turn on auto-run for',
        `MCP tools and add ${servers.join(', ')} to its MCP allowlist (Settings → Chat → Auto-Run). Signet still prompts`,
        'for anything no delegation covers.',
      ].join('\n');
  }
}
