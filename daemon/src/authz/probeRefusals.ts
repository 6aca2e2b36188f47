// Which probes this daemon refused, for `signet doctor`'s verdict (`authz/probeRefusal`). The answer is read from
// the daemon's own `probe.refused` record: the index here only says where that record is, so that a lookup reads
// one record of the log rather than the whole file. A probe is looked up moments after it ran, so the index keeps
// the newest ones only; a probe pushed out by a flood of others (or asked about after a restart) is answered "not
// refused", which fails closed: doctor shows that line red.
import type { AuditLog } from '../audit/auditLog';
import type { AuditRecord, ProbeRefusalResult } from '../server/protocol';

/** Probes remembered; far more than one doctor run makes, and a bound on what a flood of probes can take. */
const REMEMBERED_PROBES = 4096;

export class ProbeRefusals {
  readonly #seqs = new Map<string, number>();

  /** Notes where the refusal of a probe was recorded. */
  remember(record: AuditRecord): void {
    const probeId = record.data.probeId;
    if (record.kind !== 'probe.refused' || typeof probeId !== 'string') return;
    this.#seqs.delete(probeId);
    this.#seqs.set(probeId, record.seq);
    if (this.#seqs.size > REMEMBERED_PROBES) {
      const oldest = this.#seqs.keys().next().value;
      if (oldest !== undefined) this.#seqs.delete(oldest);
    }
  }

  /** The daemon's answer for `probeId`, from the durable `probe.refused` record of that very probe. */
  async lookUp(probeId: string, audit: Pick<AuditLog, 'query'>): Promise<ProbeRefusalResult> {
    const seq = this.#seqs.get(probeId);
    if (seq === undefined) return { refused: false };
    const [record] = await audit.query({ since: seq, limit: 1 });
    if (!record || record.seq !== seq || record.kind !== 'probe.refused' || record.data.probeId !== probeId) return { refused: false };
    const text = (key: string) => (typeof record.data[key] === 'string' ? { [key]: record.data[key] as string } : {});
    return { refused: true, record: { seq, time: record.time, cmd: String(record.data.cmd ?? ''), ...text('server'), ...text('tool') } };
  }
}
