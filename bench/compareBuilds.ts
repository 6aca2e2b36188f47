// Compares two daemon builds on this noisy machine, where two runs of one build a minute apart can differ by 20%:
// both daemons run at once, warmed up alike, and take the same calls in short alternating blocks, the order
// flipping every block, so that drift hits both alike. Each pair of blocks gives a ratio B/A; the median and
// quartiles are printed. Below 1 means B is faster.
//
//   npm run build && cp dist/cli.js dist/before.cli.js    # the build to compare against; then change, rebuild:
//   npm run build && node --import tsx bench/compareBuilds.ts dist/before.cli.js dist/cli.js [--scenario S,…] [--blocks 40] [--calls N] [--editor]
//
// Scenarios (default: throughput):
//   throughput  wall time and daemon CPU per authorize with 64 in flight: what the daemon can take under load;
//   authorize1  authorize p50 with one call at a time, over the WebSocket from another process: a lone agent;
//   authorize8  authorize p50 with 8 calls in flight: a few agents at once;
//   proxy       the p50 an approved tools/call through `signet mcp-proxy` adds to the same call made directly
//               (everything server's echo), each build's proxy asking its own daemon;
//   hook        p50 of a `signet hook claude-code` call, one process per call as Claude Code runs it.
// The last four are what a user waits for. --calls sets the calls per block for every scenario given.
//
// A copy of a bundle must sit where its dependencies resolve (beside it in dist/, or in a checkout of its own). Two
// runs of the same build read 1.00 with quartiles about ±10%; a change is real when it shows in both orders (A/B
// and B/A).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startAuthorizeLoad, type AuthorizeLoad } from './authorizeLoad';
import { directEcho, hookCall, proxiedEcho, type TimedSide } from './userWaits';

/** One build's figures for one block, by name; lower is better. */
type Figures = Record<string, number>;

interface Scenario {
  title: string;
  callsPerBlock: number;
  warmupCalls: number;
  /** What one build's blocks are measured with; `direct` is the unproxied echo, shared by both builds. */
  start(load: AuthorizeLoad, direct: () => Promise<TimedSide>): Promise<{ block(calls: number): Promise<Figures>; close(): Promise<void> }>;
}

function median(list: number[]): number {
  return [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)] ?? NaN;
}

const scenarios: Record<string, Scenario> = {
  throughput: {
    title: 'per authorize, 64 in flight',
    callsPerBlock: 800,
    warmupCalls: 6400,
    start: async (load) => ({
      block: async (calls) => {
        const run = await load.keepInFlight(calls);
        return { 'wall time': run.wall, 'daemon CPU': run.daemonCpu };
      },
      close: async () => undefined,
    }),
  },
  authorize1: {
    title: 'authorize, one at a time',
    callsPerBlock: 200,
    warmupCalls: 2000,
    start: async (load) => ({ block: async (calls) => ({ p50: median(await load.latencies(calls, 1)) }), close: async () => undefined }),
  },
  authorize8: {
    title: 'authorize, 8 in flight',
    callsPerBlock: 400,
    warmupCalls: 4000,
    start: async (load) => ({ block: async (calls) => ({ p50: median(await load.latencies(calls, 8)) }), close: async () => undefined }),
  },
  proxy: {
    title: 'approved tools/call through the proxy, one at a time, against the same call made directly',
    callsPerBlock: 100,
    warmupCalls: 1000,
    start: async (load, direct) => {
      const proxied = await proxiedEcho(load);
      const directSide = await direct();
      return {
        // The direct calls are made right beside each build's, so that both builds' figures are against a
        // neighbouring baseline.
        block: async (calls) => ({ 'added p50': median(await proxied.latencies(calls)) - median(await directSide.latencies(calls)) }),
        close: () => proxied.close(),
      };
    },
  },
  hook: {
    title: 'signet hook claude-code, one process per call',
    callsPerBlock: 5,
    warmupCalls: 10,
    start: async (load) => {
      const hook = hookCall(load);
      return { block: async (calls) => ({ p50: median(await hook.latencies(calls)) }), close: () => hook.close() };
    },
  },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    scenario: { type: 'string', default: 'throughput' },
    blocks: { type: 'string', default: '40' },
    calls: { type: 'string' },
    editor: { type: 'boolean', default: false },
  },
});
const chosen = values.scenario.split(',').map((name) => {
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`no scenario ${name}; there are ${Object.keys(scenarios).join(', ')}`);
  return [name, scenario] as const;
});
if (positionals.length !== 2) {
  console.error('usage: node --import tsx bench/compareBuilds.ts <cli A> <cli B> [--scenario S,…] [--blocks N] [--calls N] [--editor]');
  process.exit(2);
}
const [a, b] = await Promise.all(positionals.map((cli) => startAuthorizeLoad(resolve(cli))));
if (!a || !b) throw new Error('two builds are compared');
// One direct client for every build and block: the server it talks to is the same for both.
let direct: Promise<TimedSide> | undefined;
const sharedDirect = () => (direct ??= directEcho());
try {
  if (!values.editor) {
    a.ui.close();
    b.ui.close();
  }
  const blocks = Number(values.blocks);
  const quantile = (list: number[], q: number) => [...list].sort((x, y) => x - y)[Math.min(list.length - 1, Math.floor(q * list.length))]!.toFixed(3);
  const summary = (list: number[]) => `${quantile(list, 0.5)} (quartiles ${quantile(list, 0.25)}–${quantile(list, 0.75)})`;
  for (const [name, scenario] of chosen) {
    const calls = values.calls === undefined ? scenario.callsPerBlock : Number(values.calls);
    const [sideA, sideB] = await Promise.all([scenario.start(a, sharedDirect), scenario.start(b, sharedDirect)]);
    try {
      await sideA.block(scenario.warmupCalls);
      await sideB.block(scenario.warmupCalls);
      const ratios: Record<string, number[]> = {};
      const figuresA: Record<string, number[]> = {};
      for (let i = 0; i < blocks; i++) {
        let runA: Figures;
        let runB: Figures;
        if (i % 2 === 0) {
          runA = await sideA.block(calls);
          runB = await sideB.block(calls);
        } else {
          runB = await sideB.block(calls);
          runA = await sideA.block(calls);
        }
        for (const figure of Object.keys(runA)) {
          (ratios[figure] ??= []).push(runB[figure]! / runA[figure]!);
          (figuresA[figure] ??= []).push(runA[figure]!);
        }
      }
      console.log(`${name}: B/A ${scenario.title}, over ${blocks} block pairs of ${calls} calls${values.editor ? ', editor connected' : ''}:`);
      for (const figure of Object.keys(ratios)) {
        console.log(`  ${figure.padEnd(11)} ${summary(ratios[figure]!)}; A's median ${median(figuresA[figure]!).toFixed(1)} µs`);
      }
    } finally {
      await Promise.all([sideA.close(), sideB.close()]);
    }
  }
} finally {
  await Promise.all([a.stop(), b.stop(), direct?.then((side) => side.close())]);
}
