// The editor's own anchor of the audit log: the latest checkpoint's size and root hash, kept in the extension's
// global state, which the Signet home does not control. The daemon keeps its anchor in the keystore; a process of
// the user that can rewrite the log and run `signet audit reanchor` can move that one. It cannot move this one
// without going through a person in the editor, so a log that no longer extends what this editor last saw is
// reported here even after a re-anchor. A re-anchor made on purpose is accepted here on purpose too: the person
// reads what the `log.reanchored` record says was lost, and runs "Signet: Accept the Re-anchored Audit Log".
// No vscode import, so it is tested against a real daemon under plain Node.
import { verifyConsistency } from '../../../daemon/src/audit/merkle';
import { parseCheckpoint, verifyCheckpoint } from '../../../daemon/src/audit/checkpoint';
import type { MethodName, MethodParams, MethodResults } from '../../../daemon/src/server/protocol';

/** What the editor remembers of the log: enough to check that a later log only appended to it. */
export interface StoredLogAnchor {
  size: number;
  /** Standard base64 of the RFC 9162 root hash. */
  rootHash: string;
  /** The key that signed the checkpoint; a different key later is a different log. */
  verifierKey: string;
  /** ISO 8601, when this editor last saw the log extend it. */
  seenAt: string;
}

export interface AnchorStorage {
  get(): StoredLogAnchor | undefined;
  set(anchor: StoredLogAnchor): Thenable<void> | Promise<void>;
}

export type AskDaemon = <M extends MethodName>(method: M, params: MethodParams<M>) => Promise<MethodResults[M]>;

export type AnchorState =
  | { kind: 'extends'; anchor: StoredLogAnchor; firstSeen: boolean }
  | {
      kind: 'broken';
      reason: string;
      anchor: StoredLogAnchor;
      current: { size: number; rootHash: string; verifierKey: string };
      /** The latest `log.reanchored` record, when the daemon's log says it was re-anchored on purpose. */
      reanchor?: { seq: number; time: string; lost: string };
    }
  | { kind: 'unknown'; reason: string };

/** Checks the daemon's latest checkpoint against the stored anchor, and moves the anchor forward when it extends it. */
export async function checkLogAnchor(ask: AskDaemon, storage: AnchorStorage, now: () => Date = () => new Date()): Promise<AnchorState> {
  let current: { size: number; rootHash: string; verifierKey: string };
  try {
    const { checkpoint, verifierKey } = await ask('audit/checkpoint', {});
    const anchor = storage.get();
    // Verified with the key the editor saw first, so a checkpoint signed by another key is not taken as this log's.
    const parsed = anchor && anchor.verifierKey !== verifierKey ? parseCheckpoint(checkpoint) : verifyCheckpoint(checkpoint, verifierKey);
    current = { size: parsed.size, rootHash: Buffer.from(parsed.rootHash).toString('base64'), verifierKey };
  } catch (error) {
    return { kind: 'unknown', reason: `the log's checkpoint could not be read or checked: ${(error as Error).message}` };
  }
  const anchor = storage.get();
  if (!anchor || anchor.size === 0) return advance(storage, current, now, true);
  const broken = (reason: string) => brokenState(ask, reason, anchor, current);
  if (current.verifierKey !== anchor.verifierKey) return broken(`the log is now signed by another key (${current.verifierKey}) than the one this editor anchored (${anchor.verifierKey})`);
  if (current.size < anchor.size) return broken(`the log has ${current.size} records, fewer than the ${anchor.size} this editor saw on ${anchor.seenAt}`);
  if (current.size === anchor.size) {
    return current.rootHash === anchor.rootHash ? advance(storage, current, now, false) : broken(`the log's first ${anchor.size} records are not the ones this editor saw on ${anchor.seenAt} (another root hash)`);
  }
  try {
    const proof = await ask('audit/proveConsistency', { from: anchor.size, to: current.size });
    // The roots are this editor's and the signed checkpoint's, never the ones the answer states.
    const ok = proof.from === anchor.size && proof.to === current.size && verifyConsistency(anchor.size, current.size, proof.proof.map(fromBase64), fromBase64(anchor.rootHash), fromBase64(current.rootHash));
    if (!ok) return broken(`the log of ${current.size} records does not extend the ${anchor.size} this editor saw on ${anchor.seenAt}: its history was rewritten`);
  } catch (error) {
    return broken(`the daemon could not prove that the log extends the ${anchor.size} records this editor saw: ${(error as Error).message}`);
  }
  return advance(storage, current, now, false);
}

/** The person accepts the log as it is now (after an on-purpose `signet audit reanchor`): the anchor moves to it. */
export async function acceptCurrentLog(storage: AnchorStorage, current: { size: number; rootHash: string; verifierKey: string }, now: () => Date = () => new Date()): Promise<StoredLogAnchor> {
  const anchor = { ...current, seenAt: now().toISOString() };
  await storage.set(anchor);
  return anchor;
}

async function advance(storage: AnchorStorage, current: { size: number; rootHash: string; verifierKey: string }, now: () => Date, firstSeen: boolean): Promise<AnchorState> {
  return { kind: 'extends', anchor: await acceptCurrentLog(storage, current, now), firstSeen };
}

async function brokenState(ask: AskDaemon, reason: string, anchor: StoredLogAnchor, current: { size: number; rootHash: string; verifierKey: string }): Promise<AnchorState> {
  const state: AnchorState = { kind: 'broken', reason, anchor, current };
  try {
    const { records } = await ask('audit/query', { kind: 'log.reanchored', limit: 1 });
    const record = records.at(-1);
    if (record) state.reanchor = { seq: record.seq, time: record.time, lost: typeof record.data.lost === 'string' ? record.data.lost : 'not said' };
  } catch {
    /* the badge still says the log no longer extends the anchor */
  }
  return state;
}

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** The badge's words for a state, shared by the timeline and the warning. */
export function anchorBadgeText(state: AnchorState): { label: string; detail: string } {
  switch (state.kind) {
    case 'extends':
      return { label: `⚓ Extends the editor's anchor (${state.anchor.size.toLocaleString('en')})`, detail: `This editor keeps the log's size and root hash in its own storage; the log still extends what it saw (${state.anchor.size} records, root ${state.anchor.rootHash}).` };
    case 'unknown':
      return { label: '⚓ Anchor not checked', detail: state.reason };
    case 'broken':
      return {
        label: state.reanchor ? '⚓ Log re-anchored: history not proven' : '⚓ Log does not extend the editor\'s anchor',
        detail: `${state.reason}.${state.reanchor ? ` The daemon's log says it was re-anchored at seq ${state.reanchor.seq} (${state.reanchor.time}): ${state.reanchor.lost}. If you ran \`signet audit reanchor\` yourself, run "Signet: Accept the Re-anchored Audit Log"; otherwise someone rewrote the log.` : ' Someone or something rewrote the audit log.'}`,
      };
  }
}
