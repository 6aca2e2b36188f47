// The daemon's word on one probe: did it refuse the probe with this id? Doctor's verdict rests on this answer,
// read from the daemon's own `probe.refused` record (authz/probeRefusal), and never on the probed line's output
// alone: the probed process is told the id in SIGNET_PROBE, so a program there could print it back unasked.
import { DaemonClient } from '../client/daemonClient';
import { readRuntimeFile } from '../home/signetHome';
import type { ProbeRefusalResult } from '../server/protocol';

export interface DaemonVerdict extends ProbeRefusalResult {
  /** Set when the daemon could not be asked; the probe then does not count as refused. */
  unasked?: string;
}

/** Asks the daemon of `home` whether it refused `probeId`. Never throws: a daemon that cannot be asked refused nothing. */
export async function daemonVerdictOn(home: string, probeId: string): Promise<DaemonVerdict> {
  const runtime = await readRuntimeFile(home).catch(() => undefined);
  if (!runtime) return { refused: false, unasked: `no daemon runs for ${home}` };
  try {
    const client = await DaemonClient.connect({ port: runtime.port, token: runtime.agentToken, connectTimeoutMs: 3000 });
    try {
      return await client.request('authz/probeRefusal', { probeId }, { timeoutMs: 10_000 });
    } finally {
      client.close();
    }
  } catch (error) {
    return { refused: false, unasked: `the daemon could not be asked: ${(error as Error).message}` };
  }
}

/** What the daemon's silence means, for a probe answer that names the probe anyway. */
export function unrefusedDetail(verdict: DaemonVerdict): string {
  return verdict.unasked
    ? `the answer names this probe, but whether Signet refused it is unknown (${verdict.unasked})`
    : "the answer names this probe, but this home's daemon has no record of refusing it: another Signet home's daemon or a program echoing the id answered, and calls made this way are not decided here";
}
