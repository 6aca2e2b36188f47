// `signet doctor` as a function: discover each client's configs, check them, check Signet itself, then probe every
// protected server and installed hook. The CLI prints the report; the editor's Protection view shows it.
import { clientKinds, clientLabels, discoverClientConfigs, type ClientConfigState } from '../clients/clientConfigs';
import { failClosedBranchOf, isForeignProgram, launcherOfHookCommand, launcherProblems, staticItemsOf } from './staticChecks';
import { checkAuditLog, checkDaemon, checkKeychain } from './environmentChecks';
import type { DoctorItem, DoctorReport, ProbeResult } from './doctorReport';
import { isRunnableHookLine, newProbeId, probeHookCommand, probeServerLine, type ProbeContext } from './probes';
import { daemonVerdictOn } from './probeVerdict';
import { isSignetHookCommand } from '../hooks/hookSettings';
import { hookLauncherPath, launcherPath } from '../mcp/launcher';
import { isProtectedEntry } from '../mcp/protectConfig';

export interface DoctorOptions {
  home: string;
  workspace: string;
  userHome: string;
  /** Run the active probes (default true). */
  probe?: boolean;
  /** How long one probe may take before it counts as unanswered. */
  probeTimeoutMs?: number;
}

function findEntry(states: readonly ClientConfigState[], item: DoctorItem): Record<string, unknown> | undefined {
  const state = states.find((s) => s.client === item.client);
  return state?.mcpConfigs.find((c) => c.file.path === item.path)?.servers.find((s) => s.name === item.name)?.entry;
}

function findHookCommand(states: readonly ClientConfigState[], item: DoctorItem): string | undefined {
  const state = states.find((s) => s.client === item.client);
  const file = state?.hookFiles.find((f) => f.file.path === item.path);
  return file?.hooks.find((h) => h.event === item.name && isSignetHookCommand(h.command))?.command;
}

/** What a failed probe means for a person, and what fixes it. */
function applyProbe(item: DoctorItem, probe: ProbeResult, repair: string[]): DoctorItem {
  if (probe.ok) return { ...item, probe };
  if (item.fix !== undefined) return { ...item, ok: false, probe, problems: [...item.problems, `probe: ${probe.outcome}: ${probe.detail}`] };
  // Green until probed: protect rewrites the launcher and the entry, which is what a broken line needs.
  return { ...item, ok: false, probe, problems: [`probe: ${probe.outcome}: ${probe.detail}`], fix: `signet ${repair.join(' ')}`, protect: { args: repair } };
}

async function probeItem(item: DoctorItem, states: readonly ClientConfigState[], context: ProbeContext, launchers: { launcher: string; hookLaunchers: readonly string[] }): Promise<DoctorItem> {
  const { launcher, hookLaunchers } = launchers;
  const repair = ['protect', '--client', item.client, '--workspace', context.workspace, ...(item.kind === 'server' ? ['--no-hooks'] : []), ...(item.scope === 'user' && item.kind === 'hook' ? ['--user'] : [])];
  if (item.kind === 'server') {
    const entry = findEntry(states, item);
    if (!entry || !isProtectedEntry(entry) || typeof entry.command !== 'string' || launcherProblems(entry.command, launcher).length) return item;
    return applyProbe(item, await probeServerLine(entry, newProbeId(), context), repair);
  }
  const command = item.path ? findHookCommand(states, item) : undefined;
  // A hook naming another program than this home's launcher is red already, and that program is not run.
  if (!command || isForeignProgram(launcherOfHookCommand(command, context.userHome), hookLaunchers)) return item;
  // A line with more in it than the launcher and protect's branch is red already, and is not run.
  if (!isRunnableHookLine(command, failClosedBranchOf(item.client, item.name))) return item;
  // protect writes the launcher again (pointing at the Signet that runs it) as well as Signet's entry.
  return applyProbe(item, await probeHookCommand(item.client, item.name, command, newProbeId(), context), repair);
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const launcher = launcherPath(options.home);
  const states = await discoverClientConfigs({ workspace: options.workspace, userHome: options.userHome });
  const hookLaunchers = [hookLauncherPath(options.home), launcher];
  const context = { workspace: options.workspace, userHome: options.userHome, launcher, hookLaunchers };
  const environment = [await checkDaemon(options.home), await checkKeychain(options.home), await checkAuditLog(options.home)];
  // Without a daemon every proxied call is refused for that reason alone, which would tell nothing about the lines.
  const probed = options.probe !== false && environment[0]?.ok === true;
  const verdictOn = (probeId: string) => daemonVerdictOn(options.home, probeId);
  const probeContext: ProbeContext = { workspace: options.workspace, userHome: options.userHome, timeoutMs: options.probeTimeoutMs ?? 15_000, verdictOn };
  const clients = [];
  for (const client of clientKinds) {
    const state = states.find((s) => s.client === client);
    let items = state ? staticItemsOf(state, context) : [];
    // One at a time: each probe starts a server or a hook, and a machine's editor is busy enough.
    if (probed) for (let i = 0; i < items.length; i++) items[i] = await probeItem(items[i] as DoctorItem, states, probeContext, { launcher, hookLaunchers });
    clients.push({ client, label: clientLabels[client], found: state?.found ?? false, items });
  }
  const ok = clients.every((c) => c.items.every((i) => i.ok)) && environment.every((e) => e.ok);
  return { ok, home: options.home, workspace: options.workspace, launcher, probed, clients, environment };
}
