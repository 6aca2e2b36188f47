// `signet protect` on disk: for each config file of the chosen clients, rewrite it (see protectConfig.ts), after
// saving the original under `$SIGNET_HOME/backups/`; `--dry-run` prints the diff and touches nothing; `--undo`
// puts the latest backup back. Backups live in the Signet home, not next to the config, so they are never
// committed along with a workspace's `.vscode/mcp.json`.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../home/atomicFile';
import { homePaths } from '../home/signetHome';
import { installHooksText, type HookChange, type HookFile } from '../hooks/hookSettings';
import { ensureLauncher, hookLauncherPath, launcherPath, type LauncherTarget } from './launcher';
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
  /** Hook settings files to install Signet's hooks into (created when missing), besides the MCP configs. */
  hookFiles?: readonly HookFile[];
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

export interface HookFileOutcome {
  file: HookFile;
  status: Exclude<FileStatus, 'missing'>;
  events: HookChange[];
  diff: string;
  preview?: string;
  backup?: string;
  note?: string;
}

export interface ProtectReport {
  launcher: string;
  launcherChanged: boolean;
  files: FileOutcome[];
  /** Present when hooks were asked for. */
  hooks?: HookFileOutcome[];
}

interface BackupIndex {
  path: string;
  /** `absent`: the file did not exist before; undoing removes it. */
  backups: { file: string; createdAt: string; writtenSha256: string; absent?: boolean }[];
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

export async function readIfExists(path: string): Promise<string | undefined> {
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

/** Saves `before` (or that there was no file) under the Signet home, then writes `after` over the file. */
async function replaceWithBackup(home: string, path: string, before: string | undefined, after: string, now: () => Date): Promise<string> {
  const dir = backupDir(home, path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const backup = join(dir, `${stamp(now())}.json`);
  await writeFileAtomic(backup, before ?? '', 0o600);
  if (before === undefined) {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, after, 0o644);
  } else {
    await replaceFile(path, after);
  }
  const index = await readIndex(dir, path);
  index.backups.push({ file: basename(backup), createdAt: now().toISOString(), writtenSha256: sha256(after), ...(before === undefined ? { absent: true } : {}) });
  await writeFileAtomic(join(dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`, 0o600);
  return backup;
}

async function installHooks(options: ProtectOptions, hookLauncher: string, now: () => Date): Promise<HookFileOutcome[]> {
  const outcomes: HookFileOutcome[] = [];
  for (const file of options.hookFiles ?? []) {
    const before = await readIfExists(file.path);
    const result = installHooksText(before ?? '', file.path, {
      client: file.client,
      launcher: hookLauncher,
      home: options.home,
      userHome: options.userHome ?? homedir(),
      ...(options.agent ? { agent: options.agent } : {}),
    });
    const diff = unifiedDiff(before ?? '', result.text, { from: before === undefined ? '/dev/null' : file.path, to: `${file.path} (with Signet's hooks)` });
    if (!result.changed) outcomes.push({ file, status: 'unchanged', events: result.events, diff: '' });
    else if (options.dryRun) outcomes.push({ file, status: 'would-change', events: result.events, diff, preview: result.text });
    else outcomes.push({ file, status: 'changed', events: result.events, diff, backup: await replaceWithBackup(options.home, file.path, before, result.text, now) });
  }
  return outcomes;
}

/**
 * The config files of a client for these options. A test's made-up user home has no environment of its own, so
 * XDG_CONFIG_HOME and APPDATA are read only for the real one.
 */
function configFilesOf(client: McpClientKind, options: ProtectOptions): ConfigFile[] {
  return configFilesFor(client, options.workspace, options.userHome ?? homedir(), options.userHome ? {} : { env: process.env });
}

export async function protect(options: ProtectOptions): Promise<ProtectReport> {
  const now = options.now ?? (() => new Date());
  const launcher = launcherPath(options.home);
  let launcherChanged = false;
  if (!options.dryRun) launcherChanged = (await ensureLauncher(options.home, options.launcherTarget)).changed;
  const files: FileOutcome[] = [];
  for (const client of options.clients) {
    for (const file of configFilesOf(client, options)) {
      const before = await readIfExists(file.path);
      if (before === undefined) {
        files.push({ file, status: 'missing', servers: [], diff: '' });
        continue;
      }
      const result = protectConfigText(before, file.path, {
        serversKey: file.serversKey,
        ...(file.serverLocations ? { serverLocations: file.serverLocations } : {}),
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
      const backup = await replaceWithBackup(options.home, file.path, before, result.text, now);
      files.push({ file, status: 'changed', servers: result.servers, diff, backup });
    }
  }
  return { launcher, launcherChanged, files, ...(options.hookFiles ? { hooks: await installHooks(options, hookLauncherPath(options.home), now) } : {}) };
}

/**
 * Puts back the config as it was before the latest `signet protect`. Edits made to the file since then are not
 * thrown away silently: the current text is saved next to the backups and the outcome says where.
 */
export async function undoProtect(options: ProtectOptions): Promise<ProtectReport> {
  const now = options.now ?? (() => new Date());
  const files: FileOutcome[] = [];
  for (const client of options.clients) {
    for (const file of configFilesOf(client, options)) {
      const restored = await restoreLatest(options.home, file.path, Boolean(options.dryRun), now);
      files.push({ file, servers: [], ...restored });
    }
  }
  const hooks: HookFileOutcome[] = [];
  for (const file of options.hookFiles ?? []) {
    const restored = await restoreLatest(options.home, file.path, Boolean(options.dryRun), now);
    if (restored.status !== 'missing') hooks.push({ file, events: [], ...restored, status: restored.status });
  }
  return { launcher: launcherPath(options.home), launcherChanged: false, files, ...(options.hookFiles ? { hooks } : {}) };
}

/** Undoes the latest protect of one file: its text as before, or no file when protect created it. */
async function restoreLatest(home: string, path: string, dryRun: boolean, now: () => Date): Promise<Pick<FileOutcome, 'status' | 'diff' | 'backup' | 'note'>> {
  const dir = backupDir(home, path);
  const index = await readIndex(dir, path);
  const latest = index.backups.at(-1);
  const current = await readIfExists(path);
  if (!latest) return { status: current === undefined ? 'missing' : 'nothing-to-undo', diff: '' };
  const backupPath = join(dir, latest.file);
  const original = latest.absent ? '' : await readFile(backupPath, 'utf8');
  const diff = unifiedDiff(current ?? '', original, { from: `${path} (protected)`, to: latest.absent ? '/dev/null' : `${path} (as before signet protect)` });
  const editedSince = current !== undefined && sha256(current) !== latest.writtenSha256;
  if (dryRun) {
    return { status: 'would-restore', diff, backup: backupPath, ...(editedSince ? { note: 'the file was edited after it was protected; those edits would be set aside' } : {}) };
  }
  let note: string | undefined;
  if (editedSince && current !== undefined) {
    const aside = join(dir, `${stamp(now())}.edited-before-undo.json`);
    await writeFileAtomic(aside, current, 0o600);
    note = `the file was edited after it was protected; that version is saved at ${aside}`;
  }
  if (latest.absent) {
    if (current !== undefined) await rm(path, { force: true });
  } else if (current === undefined) {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, original, 0o644);
  } else {
    await replaceFile(path, original);
  }
  await rename(backupPath, backupPath.replace(/\.json$/, '.restored.json'));
  index.backups.pop();
  await writeFileAtomic(join(dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`, 0o600);
  return { status: 'restored', diff, backup: backupPath, ...(note ? { note } : {}) };
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
        `The built-in tools (Bash, Edit, Write…) are covered by the hooks \`signet protect --client claude-code\` installs,`,
        `which run \`${launcher}-hook claude-code\` and block the tool when it cannot run.`,
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
