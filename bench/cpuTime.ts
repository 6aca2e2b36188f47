// CPU time from /proc (Linux): a process's own, and the machine's, with the part a hypervisor took for other guests
// (steal). Elsewhere the readings are undefined and the benchmarks leave those figures out.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The time a process's threads have spent on a CPU so far, in microseconds, from the scheduler's own accounting
 * (the schedstat file of each of its threads under /proc, in nanoseconds; Linux), fine enough for short spans
 * where the 10 ms ticks of /proc/PID/stat are not. Threads that have ended are not counted. Undefined elsewhere.
 */
export function processRunMicros(pid: number): number | undefined {
  try {
    let nanos = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const onCpu = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      if (Number.isFinite(onCpu)) nanos += onCpu;
    }
    return nanos / 1000;
  } catch {
    return undefined;
  }
}

/** The machine's CPU time so far, in clock ticks: all of it, and the part the hypervisor took (steal); undefined off Linux. */
export function machineCpuTicks(): { total: number; steal: number } | undefined {
  try {
    // "cpu  user nice system idle iowait irq softirq steal …", summed over all CPUs.
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((f) => !Number.isFinite(f))) return undefined;
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7]! };
  } catch {
    return undefined;
  }
}

/** The share of the machine's CPU time between two readings that the hypervisor gave to others. */
export function stealShare(before: ReturnType<typeof machineCpuTicks>, after: ReturnType<typeof machineCpuTicks>): number {
  if (!before || !after || after.total === before.total) return NaN;
  return (after.steal - before.steal) / (after.total - before.total);
}
