// `signet git verify`: for each commit of a range, who signed it (an agent, the person, someone Signet does not
// know, or nobody), whether the signature verifies, which invocation its trailer names, whether that invocation
// and its chain of delegations were valid when the commit was signed, and whether the audit log holds the record
// of the signature. Pure: the CLI reads the commits from git and the records from the log.
//
// "When the commit was signed" is read twice, and both must hold: the time the daemon recorded the signature (its
// own clock, in the tamper-evident log) and the committer date in the commit (which whoever commits can set, so a
// commit dated after its right was revoked is reported even though the daemon signed it earlier).
import { createHash } from 'node:crypto';
import type { AuditRecord } from '../server/protocol';
import { GIT_COMMIT_SIGN_COMMAND } from '../server/protocol';
import { decodeInvocation } from '../ucan/index';
import { invocationTrailers, splitCommitObject } from './commitObject';
import { parseArmoredSignature, sshFingerprint, verifySshSignature } from './sshSignature';

const CLOCK_SKEW_SECONDS = 60;

export interface KnownSigners {
  userDid?: string;
  /** DID → name, for agents (and, from an allowed_signers file, any principal). */
  names: Map<string, string>;
}

export interface CommitVerdict {
  commit: string;
  subject: string;
  signature: 'valid' | 'invalid' | 'none' | 'unreadable';
  signer?: { did: string; name: string; kind: 'agent' | 'user' | 'unknown'; fingerprint: string };
  invocation?: string;
  chain: 'valid' | 'invalid' | 'unchecked' | 'none';
  audit: 'recorded' | 'missing' | 'unchecked';
  auditSeq?: number;
  problems: string[];
  ok: boolean;
}

/** What the audit log says about invocations, delegations and signatures, indexed once for a whole range. */
export interface LogEvidence {
  invocations: Map<string, AuditRecord>;
  issued: Map<string, AuditRecord>;
  revoked: Map<string, AuditRecord>;
  signatures: Map<string, AuditRecord>;
}

export function indexEvidence(records: readonly AuditRecord[]): LogEvidence {
  const evidence: LogEvidence = { invocations: new Map(), issued: new Map(), revoked: new Map(), signatures: new Map() };
  for (const r of records) {
    const key = (field: string) => (typeof r.data[field] === 'string' ? (r.data[field] as string) : undefined);
    if (r.kind === 'authorize.allowed' && key('invocation')) evidence.invocations.set(key('invocation')!, r);
    else if (r.kind === 'delegation.issued' && key('cid')) evidence.issued.set(key('cid')!, r);
    else if (r.kind === 'delegation.revoked' && key('cid') && !evidence.revoked.has(key('cid')!)) evidence.revoked.set(key('cid')!, r);
    else if (r.kind === 'git.commit.signed' && key('commit')) evidence.signatures.set(key('commit')!, r);
  }
  return evidence;
}

/** The verdict on one commit, from its raw object (`git cat-file commit`). */
export function verifyCommit(commit: string, object: Buffer, signers: KnownSigners, evidence: LogEvidence | undefined): CommitVerdict {
  const split = splitCommitObject(object);
  const subject = split.message.split('\n')[0] ?? '';
  const [invocation, ...more] = [...new Set(invocationTrailers(split.message))];
  const verdict: CommitVerdict = { commit, subject, signature: 'none', chain: evidence ? 'none' : 'unchecked', audit: evidence ? 'missing' : 'unchecked', problems: [], ok: false, ...(invocation ? { invocation } : {}) };
  if (more.length) verdict.problems.push('the message names more than one Signet invocation');
  if (split.signature === undefined) {
    verdict.problems.push('unsigned');
    return verdict;
  }
  let parsed;
  try {
    parsed = parseArmoredSignature(split.signature);
  } catch (error) {
    verdict.signature = 'unreadable';
    verdict.problems.push(`the signature is not an Ed25519 SSH signature: ${(error as Error).message}`);
    return verdict;
  }
  const kind = parsed.did === signers.userDid ? 'user' : signers.names.has(parsed.did) ? 'agent' : 'unknown';
  verdict.signer = { did: parsed.did, name: kind === 'user' ? 'user' : (signers.names.get(parsed.did) ?? 'unknown key'), kind, fingerprint: sshFingerprint(parsed.publicKey) };
  verdict.signature = verifySshSignature(parsed, split.payload, 'git') ? 'valid' : 'invalid';
  if (verdict.signature === 'invalid') verdict.problems.push('the signature does not verify: the commit was changed after it was signed, or signed for another namespace');
  if (kind === 'unknown') verdict.problems.push('signed by a key that is neither the user nor one of its agents');
  if (!invocation) verdict.problems.push('no Signet-Invocation trailer names the right this commit was signed under');
  if (evidence && invocation) checkAgainstLog(verdict, invocation, split, evidence);
  verdict.ok = verdict.problems.length === 0 && verdict.signature === 'valid';
  return verdict;
}

function checkAgainstLog(verdict: CommitVerdict, invocation: string, split: ReturnType<typeof splitCommitObject>, evidence: LogEvidence): void {
  const signed = evidence.signatures.get(verdict.commit);
  if (signed && signed.data.invocation === invocation && signed.data.payloadSha256 === createHash('sha256').update(split.payload).digest('hex')) {
    verdict.audit = 'recorded';
    verdict.auditSeq = signed.seq;
  } else {
    verdict.problems.push(signed ? `the audit record #${signed.seq} of this commit names another invocation or payload` : 'the audit log holds no record of Signet signing this commit');
  }
  const allowed = evidence.invocations.get(invocation);
  if (!allowed || allowed.data.cmd !== GIT_COMMIT_SIGN_COMMAND) {
    verdict.chain = 'invalid';
    verdict.problems.push(`the audit log holds no ${GIT_COMMIT_SIGN_COMMAND} invocation ${invocation}`);
    return;
  }
  const problems = chainProblems(verdict, allowed, evidence, signed, split.committerTime);
  verdict.chain = problems.length ? 'invalid' : 'valid';
  verdict.problems.push(...problems);
}

/**
 * Why the invocation or a delegation of its chain was not valid when the commit was signed: by the log's own order
 * (a revocation recorded before the signature) and by the committer date the commit claims.
 */
function chainProblems(verdict: CommitVerdict, allowed: AuditRecord, evidence: LogEvidence, signed: AuditRecord | undefined, committerTime: number | undefined): string[] {
  const problems: string[] = [];
  const token = typeof allowed.data.token === 'string' ? allowed.data.token : undefined;
  if (token) {
    try {
      const payload = decodeInvocation(new Uint8Array(Buffer.from(token, 'base64'))).payload;
      if (payload.iss !== verdict.signer?.did) problems.push(`invocation ${verdict.invocation} was issued by ${payload.iss}, not by the key that signed the commit`);
      if (payload.cmd !== GIT_COMMIT_SIGN_COMMAND) problems.push(`invocation ${verdict.invocation} is for ${payload.cmd}`);
    } catch (error) {
      problems.push(`invocation ${verdict.invocation} does not verify: ${(error as Error).message}`);
    }
  }
  const chain = Array.isArray(allowed.data.chain) ? allowed.data.chain.filter((c): c is string => typeof c === 'string') : [];
  const signedAt = signed ? Date.parse(signed.time) : undefined;
  const committedAt = committerTime === undefined ? undefined : committerTime * 1000;
  for (const cid of chain) {
    const issued = evidence.issued.get(cid);
    if (!issued) {
      problems.push(`delegation ${cid} is not in the audit log`);
      continue;
    }
    const exp = typeof issued.data.exp === 'number' ? issued.data.exp * 1000 : undefined;
    for (const [what, at] of [['signed', signedAt], ['dated', committedAt]] as const) {
      if (at !== undefined && exp !== undefined && at > exp + CLOCK_SKEW_SECONDS * 1000) problems.push(`delegation ${cid} had expired when the commit was ${what} (${new Date(at).toISOString()})`);
    }
    const revoked = evidence.revoked.get(cid);
    if (!revoked) continue;
    if (signed && revoked.seq < signed.seq) problems.push(`delegation ${cid} was revoked (#${revoked.seq}, ${revoked.time}) before the commit was signed (#${signed.seq})`);
    else if (committedAt !== undefined && Date.parse(revoked.time) <= committedAt) problems.push(`delegation ${cid} was revoked at ${revoked.time} (#${revoked.seq}), before the commit's date ${new Date(committedAt).toISOString()}`);
  }
  return [...new Set(problems)];
}
