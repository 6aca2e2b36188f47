// `signet doctor`'s active probes, on the daemon's side. A probe is an authorize request that carries a `probe`
// marker (the proxy and the hook add it when they run with SIGNET_PROBE set). It is refused before anything else
// is looked at: no agent is created or resolved, no owner policy or delegation is consulted, no approval is
// queued, so no person is ever shown a probe, and what the probing agent holds cannot matter — it is a
// throwaway that holds nothing. The marker can only make a decision stricter: an agent that sets it on its
// own call is denied at once, the same as a probe, and its call is not asked for.
import type { AuditLog } from '../audit/auditLog';
import type { AuthorizeParams, AuthorizeResult } from '../server/protocol';
import type { ProbeRefusals } from './probeRefusals';

/** The environment variable that makes `signet mcp-proxy` and `signet hook` mark every request as a probe. */
export const PROBE_ENV = 'SIGNET_PROBE';

/** The reason every probe is refused with; it names the probe for a person reading the answer (doctor asks the daemon). */
export function probeRefusalReason(probeId: string): string {
  return `Signet probe ${probeId}: refused at once, as every probe is (signet doctor checks that calls made this way reach Signet); nothing was run`;
}

/** The probe marker of this process's environment, for the proxy's and the hook's requests, or undefined. */
export function probeMarkerFromEnv(env: NodeJS.ProcessEnv): { id: string } | undefined {
  const id = env[PROBE_ENV];
  return id ? { id } : undefined;
}

function shortString(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 200) : undefined;
}

/** Refuses a probe and audits it; the call's arguments are not recorded (a probe's are meaningless). */
export async function refuseProbe(params: AuthorizeParams & { probe: { id: string } }, audit: Pick<AuditLog, 'append'>, refusals: ProbeRefusals): Promise<AuthorizeResult> {
  const server = shortString(params.args.server);
  const tool = shortString(params.args.tool);
  const record = await audit.append({
    agent: null,
    kind: 'probe.refused',
    data: { probeId: params.probe.id, agentName: params.agent, cmd: params.cmd, ...(server ? { server } : {}), ...(tool ? { tool } : {}) },
  });
  // Noted only once the record is durable: doctor's verdict is read from it (authz/probeRefusal).
  refusals.remember(record);
  return { decision: 'deny', code: 'probe', reason: probeRefusalReason(params.probe.id) };
}
