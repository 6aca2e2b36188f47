// Compares the authorize throughput of two daemon builds on this noisy machine, where two runs of one build a
// minute apart can differ by 20%: both daemons run at once, warmed up alike, and take the same load (64 calls
// in flight) in short alternating blocks, the order flipping every block, so that drift hits both alike. Each
// pair of blocks gives a ratio B/A; the median and quartiles are printed. Below 1 means B is faster.
//
//   npm run build && cp dist/cli.js dist/before.cli.js    # the build to compare against; then change, rebuild:
//   npm run build && node --import tsx bench/compareBuilds.ts dist/before.cli.js dist/cli.js [--blocks 40] [--calls 800] [--editor]
//
// A copy of a bundle must sit where its dependencies resolve (beside it in dist/, or in a checkout of its own). Two runs of the same build read 1.00 with quartiles about ±10%; a change is real when it shows in
// both orders (A/B and B/A).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startAuthorizeLoad, type LoadRun } from './authorizeLoad';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { blocks: { type: 'string', default: '40' }, calls: { type: 'string', default: '800' }, editor: { type: 'boolean', default: false } },
});
if (positionals.length !== 2) {
  console.error('usage: node --import tsx bench/compareBuilds.ts <cli A> <cli B> [--blocks N] [--calls N] [--editor]');
  process.exit(2);
}
const [a, b] = await Promise.all(positionals.map((cli) => startAuthorizeLoad(resolve(cli))));
if (!a || !b) throw new Error('two builds are compared');
try {
  if (!values.editor) {
    a.ui.close();
    b.ui.close();
  }
  await a.keepInFlight(6400);
  await b.keepInFlight(6400);
  const wall: number[] = [];
  const cpu: number[] = [];
  const blocks = Number(values.blocks);
  const calls = Number(values.calls);
  for (let i = 0; i < blocks; i++) {
    let runA: LoadRun;
    let runB: LoadRun;
    if (i % 2 === 0) {
      runA = await a.keepInFlight(calls);
      runB = await b.keepInFlight(calls);
    } else {
      runB = await b.keepInFlight(calls);
      runA = await a.keepInFlight(calls);
    }
    wall.push(runB.wall / runA.wall);
    cpu.push(runB.daemonCpu / runA.daemonCpu);
  }
  const quantile = (list: number[], q: number) => [...list].sort((x, y) => x - y)[Math.min(list.length - 1, Math.floor(q * list.length))]!.toFixed(3);
  const summary = (list: number[]) => `${quantile(list, 0.5)} (quartiles ${quantile(list, 0.25)}–${quantile(list, 0.75)})`;
  console.log(`B/A per authorize over ${blocks} block pairs of ${calls} calls${values.editor ? ', editor connected' : ''}:`);
  console.log(`  wall time   ${summary(wall)}`);
  console.log(`  daemon CPU  ${summary(cpu)}`);
} finally {
  await Promise.all([a.stop(), b.stop()]);
}
