// Which agent clients are set up on this machine, and what their config files say: for each client (VS Code,
// Cursor, Claude Code), the MCP config files of the workspace and of the user's home with the servers in them, and
// the hook settings files with the hook commands in them. Read-only: nothing here writes, so `signet doctor`, the
// editor's Protection view and `signet protect` can all ask it without side effects. Where the files are is
// decided by `configFilesFor` (MCP configs) and `hookFileFor` (hooks), so a location added there is found here.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { clientMarkers, decidedHookEvents, hookEvents, hookFileFor, type HookFile } from '../hooks/hookSettings';
import { readIfExists } from '../mcp/protectFiles';
import { configFilesFor, mcpClientKinds, parseConfig, type ConfigFile, type McpClientKind } from '../mcp/protectConfig';

export type ClientKind = McpClientKind;
export const clientKinds: readonly ClientKind[] = mcpClientKinds;

export const clientLabels: Record<ClientKind, string> = { vscode: 'VS Code', cursor: 'Cursor', 'claude-code': 'Claude Code' };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ConfiguredServer {
  name: string;
  /** The entry as written (command, args, env, url, headers…). */
  entry: Json;
}

export interface McpConfigState {
  file: ConfigFile;
  exists: boolean;
  servers: ConfiguredServer[];
  /** Why the file could not be read as a config (a syntax error, say); its servers are then unknown. */
  error?: string;
}

/** One hook command of a settings file, with the settings around it that decide what a failure does. */
export interface ConfiguredHook {
  event: string;
  command: string;
  /** Claude Code's `onFailure` of the command. */
  onFailure?: unknown;
  /** Cursor's `failClosed` of the entry. */
  failClosed?: unknown;
  /** Claude Code's matcher group the command sits in, when it has one. */
  matcher?: unknown;
}

export interface HookFileState {
  file: HookFile;
  exists: boolean;
  hooks: ConfiguredHook[];
  error?: string;
}

export interface ClientConfigState {
  client: ClientKind;
  /** True when the client looks used here: one of its folders or config files exists. */
  found: boolean;
  mcpConfigs: McpConfigState[];
  hookFiles: HookFileState[];
  /** Settings files that turn every hook of the client off (Claude Code's `disableAllHooks: true`). */
  hooksDisabledBy: string[];
}

export interface DiscoveryOptions {
  workspace: string;
  userHome: string;
}

/** The hook commands of a client's hook settings, by event, in the client's own shape (see hookSettings.ts). */
export function hooksOfSettings(client: ClientKind, config: Json): ConfiguredHook[] {
  const hooks = isObject(config.hooks) ? config.hooks : {};
  const found: ConfiguredHook[] = [];
  for (const [event, list] of Object.entries(hooks)) {
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (!isObject(entry)) continue;
      if (client === 'claude-code') {
        for (const hook of Array.isArray(entry.hooks) ? entry.hooks : []) {
          if (isObject(hook) && typeof hook.command === 'string') found.push({ event, command: hook.command, onFailure: hook.onFailure, matcher: entry.matcher });
        }
      } else if (typeof entry.command === 'string') {
        found.push({ event, command: entry.command, ...(client === 'cursor' ? { failClosed: entry.failClosed } : {}) });
      }
    }
  }
  return found;
}

/**
 * The servers of an MCP config's text; one place to teach a new file layout. Most files keep them under one key;
 * `~/.claude.json` keeps user-scope servers at the top and this project's local-scope ones under
 * `projects[<folder>]` (`serverLocations`), and the servers of other projects are not this workspace's.
 */
export function serversOfConfig(file: ConfigFile, config: Json): ConfiguredServer[] {
  const locations = file.serverLocations ?? [[file.serversKey]];
  return locations.flatMap((keys) => {
    let servers: unknown = config;
    for (const key of keys) servers = isObject(servers) ? servers[key] : undefined;
    return isObject(servers) ? Object.entries(servers).filter((e): e is [string, Json] => isObject(e[1])).map(([name, entry]) => ({ name, entry })) : [];
  });
}

async function readConfig<T>(path: string, pick: (config: Json) => T[]): Promise<{ exists: boolean; items: T[]; error?: string }> {
  let text: string | undefined;
  try {
    text = await readIfExists(path);
  } catch (error) {
    return { exists: true, items: [], error: (error as Error).message };
  }
  if (text === undefined) return { exists: false, items: [] };
  try {
    return { exists: true, items: pick(text.trim() === '' ? {} : parseConfig(text, path)) };
  } catch (error) {
    return { exists: true, items: [], error: (error as Error).message };
  }
}

/** The hook settings files a client reads, workspace first. */
export function hookFilesOf(client: ClientKind, options: DiscoveryOptions): HookFile[] {
  return (['workspace', 'user'] as const).map((scope) => hookFileFor(client, options.workspace, options.userHome, scope)).filter((f): f is HookFile => f !== undefined);
}

/** Claude Code's settings files that can say `disableAllHooks` (the local one is never committed). */
export function hookSwitchFilesOf(client: ClientKind, options: DiscoveryOptions): string[] {
  if (client !== 'claude-code') return [];
  return [join(options.workspace, '.claude', 'settings.json'), join(options.workspace, '.claude', 'settings.local.json'), join(options.userHome, '.claude', 'settings.json')];
}

async function filesDisablingHooks(client: ClientKind, options: DiscoveryOptions): Promise<string[]> {
  const disabling: string[] = [];
  for (const path of hookSwitchFilesOf(client, options)) {
    const read = await readConfig(path, (config) => (config.disableAllHooks === true ? [true] : []));
    // A settings file that cannot be read may say anything: count it as turning hooks off.
    if (read.items.length || read.error) disabling.push(path);
  }
  return disabling;
}

/** Every client's configs as they are on disk now. */
export async function discoverClientConfigs(options: DiscoveryOptions): Promise<ClientConfigState[]> {
  const states: ClientConfigState[] = [];
  for (const client of clientKinds) {
    const mcpConfigs: McpConfigState[] = [];
    for (const file of configFilesFor(client, options.workspace, options.userHome)) {
      const read = await readConfig(file.path, (config) => serversOfConfig(file, config));
      mcpConfigs.push({ file, exists: read.exists, servers: read.items, ...(read.error ? { error: read.error } : {}) });
    }
    const hookFiles: HookFileState[] = [];
    for (const file of hookFilesOf(client, options)) {
      const read = await readConfig(file.path, (config) => hooksOfSettings(client, config));
      hookFiles.push({ file, exists: read.exists, hooks: read.items, ...(read.error ? { error: read.error } : {}) });
    }
    const markers = (['workspace', 'user'] as const).flatMap((scope) => clientMarkers(client, scope === 'user' ? options.userHome : options.workspace, scope));
    const found = markers.some((m) => existsSync(m)) || mcpConfigs.some((c) => c.exists) || hookFiles.some((h) => h.exists);
    states.push({ client, found, mcpConfigs, hookFiles, hooksDisabledBy: await filesDisablingHooks(client, options) });
  }
  return states;
}

/**
 * The events a client's Signet hook must be installed for to protect: those that decide a call. The events that
 * only report an outcome or a session's end (PostToolUse, Cursor's after-events) cannot block anything, so a
 * missing one leaves a call unrecorded, not unprotected; doctor does not count them.
 */
export function requiredHookEvents(client: ClientKind): readonly string[] {
  return decidedHookEvents[client];
}

/** Every file whose change can change what `discoverClientConfigs` finds, for an editor to watch. */
export function watchedConfigPaths(options: DiscoveryOptions): string[] {
  const paths = clientKinds.flatMap((client) => [
    ...configFilesFor(client, options.workspace, options.userHome).map((f) => f.path),
    ...hookFilesOf(client, options).map((f) => f.path),
    ...hookSwitchFilesOf(client, options),
  ]);
  return [...new Set(paths)];
}
