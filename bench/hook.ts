// The hook benchmark: a client runs its hook as a new process for every tool call, so what a user waits for is
// the hook process's whole life. Measured against `node -e 0` in the same run, in alternating blocks (the machine
// drifts): the lean entry point the installed hooks run (dist/hook.js) and, for comparison, `signet hook` of the
// full CLI, each for an allowed Read. The figure is the median over blocks of each block's p50 ratio, with quartiles.
import { join } from 'node:path';
import { startAuthorizeLoad } from './authorizeLoad';
import { hookCall, nodeStartup, type TimedSide } from './userWaits';

const median = (values: number[]) => quantile(values, 0.5);
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export async function runHookBenchmarks(options: { blocks?: number; callsPerBlock?: number } = {}): Promise<void> {
  const blocks = options.blocks ?? 12;
  const calls = options.callsPerBlock ?? 5;
  const load = await startAuthorizeLoad(join(process.cwd(), 'dist/cli.js'));
  try {
    const sides: Record<'node' | 'lean' | 'cli', TimedSide> = { node: nodeStartup(), lean: hookCall(load, 'lean'), cli: hookCall(load, 'cli') };
    for (const side of Object.values(sides)) await side.latencies(2);
    const p50s: Record<keyof typeof sides, number[]> = { node: [], lean: [], cli: [] };
    for (let b = 0; b < blocks; b++) {
      for (const name of ['node', 'lean', 'cli'] as const) p50s[name].push(median(await sides[name].latencies(calls)));
    }
    const ratio = (name: 'lean' | 'cli') => p50s[name].map((p, i) => p / (p50s.node[i] ?? NaN));
    const describe = (values: number[]) => `${median(values).toFixed(2)}× (quartiles ${quantile(values, 0.25).toFixed(2)}–${quantile(values, 0.75).toFixed(2)})`;
    const ms = (values: number[]) => `${(median(values) / 1000).toFixed(0)} ms`;
    console.log(`hook: an allowed PreToolUse call, one process per call, ${blocks} blocks of ${calls}; node -e 0 p50 ${ms(p50s.node)}`);
    console.log(`  lean entry point (signet-hook, dist/hook.js): p50 ${ms(p50s.lean)}, ${describe(ratio('lean'))} node -e 0  (target ≤ 1.5×)`);
    console.log(`  full CLI (signet hook claude-code):           p50 ${ms(p50s.cli)}, ${describe(ratio('cli'))} node -e 0`);
  } finally {
    await load.stop();
  }
}
