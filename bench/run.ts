// `npm run bench`: every benchmark, figures printed, nothing asserted.
import { runAuditBenchmarks } from './audit';
import { runDaemonBenchmarks } from './daemon';
import { runGuardBenchmarks } from './guard';
import { runHookBenchmarks } from './hook';
import { runMcpBenchmarks } from './mcp';

console.log(`Signet benchmarks on ${process.version}, ${(await import('node:os')).cpus().length} cores. Ratios are against baselines measured in this run.`);
await runDaemonBenchmarks();
await runAuditBenchmarks();
await runMcpBenchmarks();
await runGuardBenchmarks();
await runHookBenchmarks();
