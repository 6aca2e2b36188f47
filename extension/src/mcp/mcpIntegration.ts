// Signet for VS Code's own MCP client (Copilot agent mode): an MCP server definition provider that offers the
// workspace's `.vscode/mcp.json` servers wrapped by `signet mcp-proxy`, and the command "Signet: Protect MCP
// Servers", which rewrites that file the way `signet protect --client vscode` does, after a diff preview.
// It also keeps the stable launcher current, so protected configs survive extension updates.
//
// The MCP API arrived in VS Code 1.101 and this extension supports older editors, so it is feature-detected and
// typed here by hand: on an editor without it, only the command is offered.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ensureLauncher, launcherPath } from '../../../daemon/src/mcp/launcher';
import { configFilesFor, defaultAgentFor, HEADERS_ENV, headersEnvValue, isProtectedEntry, serverEntries } from '../../../daemon/src/mcp/protectConfig';
import { protect, secondPromptHint } from '../../../daemon/src/mcp/protectFiles';
import type { Log } from '../log';

/** Must equal the id under `contributes.mcpServerDefinitionProviders` in package.json. */
export const MCP_PROVIDER_ID = 'signet.protectedMcpServers';
export const PROTECT_COMMAND = 'signet.protectMcpServers';
const PREVIEW_SCHEME = 'signet-mcp-preview';
/** The protected texts shown in the diff preview, by preview path; read by the content provider. */
const sharedPreviews = new Map<string, string>();

export interface McpIntegrationDeps {
  /** The Signet home (the daemon's), where the launcher and the backups live. */
  home: string;
  /** The CLI script shipped with the extension (`dist/cli.js`). */
  cliPath: string;
  /** The runtime that runs it; the editor's own binary as Node by default. */
  runtime?: string;
  log: Log;
  /**
   * Register `signet.protectMcpServers` here (default). An extension that registers all its commands up front
   * at activation passes false and routes the command to `protectWorkspaceMcpServers` itself.
   */
  registerCommand?: boolean;
}

// ── The slice of the VS Code MCP API used here (vscode ≥ 1.101) ──
interface McpStdioServerDefinitionLike {
  readonly label: string;
}
interface McpServerDefinitionProviderLike {
  readonly onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): vscode.ProviderResult<McpStdioServerDefinitionLike[]>;
}
interface McpApi {
  McpStdioServerDefinition?: new (label: string, command: string, args?: string[], env?: Record<string, string | number | null>, version?: string) => McpStdioServerDefinitionLike;
  lm?: { registerMcpServerDefinitionProvider?: (id: string, provider: McpServerDefinitionProviderLike) => vscode.Disposable };
}

/** Variables VS Code expands in mcp.json that a provider must expand itself. */
function expandVariables(value: string, folder: string): string | undefined {
  if (/\$\{input:/.test(value)) return undefined;
  return value.replaceAll('${workspaceFolder}', folder).replaceAll('${userHome}', homedir()).replaceAll('${pathSeparator}', '/').replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => process.env[name] ?? '');
}

/** The proxied definitions for one workspace folder's `.vscode/mcp.json` (servers already protected are left out). */
async function definitionsFor(folder: string, deps: McpIntegrationDeps, api: Required<Pick<McpApi, 'McpStdioServerDefinition'>>): Promise<McpStdioServerDefinitionLike[]> {
  const [file] = configFilesFor('vscode', folder);
  if (!file) return [];
  let text: string;
  try {
    text = await readFile(file.path, 'utf8');
  } catch {
    return [];
  }
  const launcher = launcherPath(deps.home);
  const definitions: McpStdioServerDefinitionLike[] = [];
  for (const [name, entry] of serverEntries(text, file.path, file.serversKey)) {
    if (isProtectedEntry(entry)) continue;
    const base = ['mcp-proxy', '--agent', defaultAgentFor.vscode, '--server-name', name, '--workspace', folder];
    const env: Record<string, string> = {};
    let args: (string | undefined)[];
    if (typeof entry.command === 'string') {
      args = [...base, '--', entry.command, ...(Array.isArray(entry.args) ? entry.args.map(String) : [])];
    } else if (typeof entry.url === 'string' && entry.type !== 'sse') {
      args = [...base, '--url', entry.url];
      if (entry.headers && typeof entry.headers === 'object') env[HEADERS_ENV] = headersEnvValue(entry.headers as Record<string, unknown>);
    } else {
      continue;
    }
    if (entry.env && typeof entry.env === 'object') for (const [k, v] of Object.entries(entry.env)) env[k] = String(v);
    const expanded = args.map((a) => (a === undefined ? undefined : expandVariables(a, folder)));
    const expandedEnv = Object.entries(env).map(([k, v]) => [k, expandVariables(v, folder)] as const);
    if (expanded.some((a) => a === undefined) || expandedEnv.some(([, v]) => v === undefined)) {
      // `${input:…}` needs VS Code's own prompt; such a server is protected by rewriting mcp.json instead.
      deps.log.info(`MCP server "${name}" uses \${input:…} variables; run "Signet: Protect MCP Servers" to put it behind Signet`);
      continue;
    }
    definitions.push(new api.McpStdioServerDefinition(`${name} (via Signet)`, launcher, expanded as string[], Object.fromEntries(expandedEnv) as Record<string, string>));
  }
  return definitions;
}

/** Registers the server definition provider (when the editor has the API), the command, and refreshes the launcher. */
export function registerMcpIntegration(context: vscode.ExtensionContext, deps: McpIntegrationDeps): vscode.Disposable {
  const disposables: vscode.Disposable[] = [];
  const runtime = deps.runtime ?? process.execPath;
  void ensureLauncher(deps.home, { node: runtime, cli: deps.cliPath, ...(runtime === process.execPath && process.versions.electron ? { env: { ELECTRON_RUN_AS_NODE: '1' } } : {}) })
    .then((r) => r.changed && deps.log.info(`wrote the Signet launcher ${r.path}`))
    .catch((error: unknown) => deps.log.warn(`could not write the Signet launcher: ${(error as Error).message}`));

  const api = vscode as unknown as McpApi;
  const register = api.lm?.registerMcpServerDefinitionProvider;
  const Definition = api.McpStdioServerDefinition;
  if (register && Definition) {
    const changed = new vscode.EventEmitter<void>();
    const watcher = vscode.workspace.createFileSystemWatcher('**/.vscode/mcp.json');
    disposables.push(changed, watcher, watcher.onDidChange(() => changed.fire()), watcher.onDidCreate(() => changed.fire()), watcher.onDidDelete(() => changed.fire()));
    disposables.push(
      register.call(api.lm, MCP_PROVIDER_ID, {
        onDidChangeMcpServerDefinitions: changed.event,
        provideMcpServerDefinitions: async () => {
          const folders = vscode.workspace.workspaceFolders ?? [];
          const all = await Promise.all(folders.map((f) => definitionsFor(f.uri.fsPath, deps, { McpStdioServerDefinition: Definition }).catch((error: unknown) => {
            deps.log.warn(`cannot read ${join(f.uri.fsPath, '.vscode', 'mcp.json')}: ${(error as Error).message}`);
            return [];
          })));
          return all.flat();
        },
      }),
    );
  } else {
    deps.log.info('this editor has no MCP server definition API; "Signet: Protect MCP Servers" still rewrites .vscode/mcp.json');
  }

  const previews = sharedPreviews;
  disposables.push(vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, { provideTextDocumentContent: (uri) => previews.get(uri.path) ?? '' }));
  if (deps.registerCommand !== false) disposables.push(vscode.commands.registerCommand(PROTECT_COMMAND, () => protectWorkspaceMcpServers(deps, previews)));

  const all = vscode.Disposable.from(...disposables);
  context.subscriptions.push(all);
  return all;
}

/** "Signet: Protect MCP Servers": preview the rewrite of each folder's `.vscode/mcp.json`, then apply it on consent. */
export async function protectWorkspaceMcpServers(deps: McpIntegrationDeps, previews = sharedPreviews): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folders.length) {
    void vscode.window.showInformationMessage('Signet: open a folder first; its .vscode/mcp.json is what gets protected.');
    return;
  }
  const launcherTarget = { node: deps.runtime ?? process.execPath, cli: deps.cliPath, ...(process.versions.electron && !deps.runtime ? { env: { ELECTRON_RUN_AS_NODE: '1' } } : {}) };
  for (const folder of folders) {
    const options = { home: deps.home, workspace: folder.uri.fsPath, clients: ['vscode'] as const, launcherTarget };
    const preview = await protect({ ...options, dryRun: true });
    const outcome = preview.files[0];
    if (!outcome || outcome.status === 'missing') continue;
    if (outcome.status === 'unchanged') {
      void vscode.window.showInformationMessage(`Signet: every MCP server in ${folder.name} is already protected.`);
      continue;
    }
    previews.set(`/${folder.name}/mcp.json`, outcome.preview ?? '');
    await vscode.commands.executeCommand('vscode.diff', vscode.Uri.file(outcome.file.path), vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${folder.name}/mcp.json` }), `${folder.name}/.vscode/mcp.json ↔ protected by Signet`, { preview: true });
    const wrapped = outcome.servers.filter((s) => s.action !== 'skipped' && s.action !== 'already-protected').map((s) => s.name);
    const choice = await vscode.window.showWarningMessage(
      `Put ${wrapped.length} MCP server(s) of ${folder.name} behind Signet (${wrapped.join(', ')})? A backup is kept; \`signet protect --undo\` restores it.`,
      { modal: true },
      'Protect',
    );
    if (choice !== 'Protect') continue;
    const applied = await protect(options);
    deps.log.info(`protected ${outcome.file.path}; backup ${applied.files[0]?.backup ?? '(none)'}`);
    void vscode.window.showInformationMessage(secondPromptHint('vscode', wrapped, applied.launcher).replaceAll('\n', ' '));
  }
}

