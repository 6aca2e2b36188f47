// A daemon in its own process with one agent holding one delegation, and a load of authorize calls kept in
// flight against it over the real WebSocket: what benchmark (a) and the build comparison both measure.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonClient } from '../daemon/src/client/daemonClient';
import { readRuntimeFile } from '../daemon/src/home/signetHome';
import { openSecretStore } from '../daemon/src/keys/openSecretStore';
import { readUiToken } from '../daemon/src/keys/uiToken';
import { machineCpuTicks, processRunMicros, stealShare } from './cpuTime';

export interface LoadRun {
  /** Wall time per call, in microseconds. */
  wall: number;
  /** The daemon's CPU time per call, in microseconds; NaN where /proc is not there. */
  daemonCpu: number;
  /**
   * The share of the machine's CPU time that its hypervisor took for other guests meanwhile (steal), 0–1; NaN where
   * /proc is not there. On a shared virtual machine this is what moves the wall time most from one run to the next.
   */
  steal: number;
}

export interface AuthorizeLoad {
  /** The CLI bundle the daemon runs from, and its home: a proxy or a hook of the same build is run from them. */
  cli: string;
  home: string;
  /** The folder the agents work in (the default owner rules keep them out of the home). */
  workspace: string;
  /** The UI client (an editor, as far as the daemon knows); close it to measure without one. */
  ui: DaemonClient;
  /** One authorize call, which must be allowed. */
  authorizeOnce(): Promise<void>;
  /** `calls` authorize calls with `inFlight` of them in flight at every moment. */
  keepInFlight(calls: number, inFlight?: number): Promise<LoadRun>;
  /** The same, returning how long each call took from request to answer, in microseconds, in no set order. */
  latencies(calls: number, inFlight: number): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * Starts `signet daemon` from the CLI bundle `cli` in a fresh home and sets up its agents and their delegations:
 * coder may call read_file (what authorize is timed with), bench may call the everything server's echo (through a
 * proxy) and claude-code may use its Read tool (through the hook).
 * `withoutPolicy` gives the home an empty policy folder, so the daemon runs with no owner rules at all.
 */
export async function startAuthorizeLoad(cli: string, options: { withoutPolicy?: boolean } = {}): Promise<AuthorizeLoad> {
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'signet-bench-')));
  if (options.withoutPolicy) mkdirSync(join(home, 'policy'));
  // The workspace is not the Signet home: the default owner rules keep agents out of that.
  const workspace = realpathSync(mkdtempSync(join(tmpdir(), 'signet-bench-workspace-')));
  const daemonProcess = spawn(process.execPath, [cli, '--home', home, 'daemon', '--keystore', 'file'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => daemonProcess.once('exit', resolve));
  const stop = async () => {
    daemonProcess.kill('SIGTERM');
    await exited;
    rmSync(home, { recursive: true, force: true });
    rmSync(workspace, { recursive: true, force: true });
  };
  try {
    let runtime: Awaited<ReturnType<typeof readRuntimeFile>>;
    for (let waited = 0; !(runtime = await readRuntimeFile(home)); waited += 50) {
      if (daemonProcess.exitCode !== null || waited > 30_000) throw new Error(`the benchmark daemon (${cli}) did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const { pid, port } = runtime;
    const uiToken = await readUiToken(openSecretStore({ kind: 'file', home }), home);
    const ui = await DaemonClient.connect({ port, token: uiToken ?? '' });
    const agent = await DaemonClient.connect({ port, token: runtime.agentToken });
    await ui.request('agent/create', { name: 'coder' });
    await ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/mcp/tools/call', pol: [['==', '.tool', 'read_file']] });
    await ui.request('agent/create', { name: 'bench' });
    await ui.request('delegation/issue', { from: 'user', to: 'bench', cmd: '/mcp/tools/call', pol: [['==', '.tool', 'echo']] });
    await ui.request('agent/create', { name: 'claude-code' });
    await ui.request('delegation/issue', { from: 'user', to: 'claude-code', cmd: '/claude-code/tools/read', pol: [] });
    const params = { agent: 'coder', cmd: '/mcp/tools/call', args: { server: 'fs', tool: 'read_file', arguments: { path: 'src/a.ts' } }, workspace };
    const authorizeOnce = async () => {
      const r = await agent.request('authz/authorize', params);
      if (r.decision !== 'allow') throw new Error(`benchmark authorize was denied: ${r.reason}`);
    };
    // Each caller sends its next request as soon as its answer arrives (a barrier after every round would leave
    // the daemon idle while the client reads the whole round).
    const keepInFlight = async (calls: number, inFlight = 64): Promise<LoadRun> => {
      let remaining = calls;
      const caller = async () => {
        while (remaining-- > 0) await authorizeOnce();
      };
      const cpu0 = processRunMicros(pid);
      const machine0 = machineCpuTicks();
      const t0 = process.hrtime.bigint();
      await Promise.all(Array.from({ length: inFlight }, caller));
      const wall = Number(process.hrtime.bigint() - t0) / 1000 / calls;
      const cpu1 = processRunMicros(pid);
      const steal = stealShare(machine0, machineCpuTicks());
      return { wall, daemonCpu: cpu0 === undefined || cpu1 === undefined ? NaN : (cpu1 - cpu0) / calls, steal };
    };
    const latencies = async (calls: number, inFlight: number): Promise<number[]> => {
      const samples: number[] = [];
      let remaining = calls;
      const caller = async () => {
        while (remaining-- > 0) {
          const t0 = process.hrtime.bigint();
          await authorizeOnce();
          samples.push(Number(process.hrtime.bigint() - t0) / 1000);
        }
      };
      await Promise.all(Array.from({ length: inFlight }, caller));
      return samples;
    };
    return {
      cli,
      home,
      workspace,
      ui,
      authorizeOnce,
      keepInFlight,
      latencies,
      stop: async () => {
        ui.close();
        agent.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
