// `npm run bench`: every benchmark, figures printed, nothing asserted.
import { runDaemonBenchmarks } from './daemon';

console.log(`Signet benchmarks on ${process.version}, ${(await import('node:os')).cpus().length} cores. Ratios are against baselines measured in this run.`);
await runDaemonBenchmarks();
const optional = [['./audit', 'runAuditBenchmarks'], ['./mcp', 'runMcpBenchmarks']] as const;
for (const [path, name] of optional) {
  const mod = (await import(path).catch(() => undefined)) as Record<string, () => Promise<void>> | undefined;
  await mod?.[name]?.();
}
