// The daemon's side of `git/sign`: authorizes `/git/commit/sign` as the acting agent, then signs exactly the
// payload git hands over, with the agent's own Ed25519 key (the key of its did:key), and audits the signature
// with the payload's digest and the commit's id. The private key never leaves the daemon; the client only ever
// sees the armored signature.
//
// Thinking as the agent being guarded: it may name another agent (SIGNET_AGENT is only a claim until its secret
// matches), copy a trailer from another commit (the invocation must be one this daemon prepared, unused, for this
// agent and repository), change the message after it was authorized (the trailer is read from what is signed),
// or keep signing after its right was revoked (the chain is checked again at the signing step), or switch branches
// between the two steps, or hand over a payload made elsewhere (the daemon reads HEAD and its tip from the
// repository itself at the signing step; see repoHead.ts), or flood the prepared invocations (a cap per agent).
import { createHash } from 'node:crypto';
import type { AuditSink, Authorizer } from '../authz/authorizer';
import { canonicalPath } from '../authz/canonicalPaths';
import { freshNonce } from '../authz/freshNonce';
import { isAgentSecret } from '../keys/agentSecrets';
import type { IdentityRegistry } from '../keys/identities';
import type { SecretStore } from '../keys/secretStore';
import {
  GIT_COMMIT_SIGN_COMMAND,
  type AgentInfo,
  type ApprovalDecideParams,
  type GitSignParams,
  type GitSignResult,
  type GitSignRefusal,
  type Principal,
} from '../server/protocol';
import type { Connection } from '../server/rpcServer';
import { cidOf, decodeInvocation, encodeInvocationWith } from '../ucan/index';
import { invocationTrailers, messageOfPayload, signedCommitId } from './commitObject';
import { PreparedInvocations } from './preparedInvocations';
import { payloadParents, placeOnHead, readRepoHead, RepoReadError } from './repoHead';
import { armorSignature, signedDataBlob, signingKeyLine, sshFingerprint } from './sshSignature';

/** How long the person's own "Sign as me" invocation stays usable: as long as an agent's. */
const USER_INVOCATION_SECONDS = 300;
/** Prepared invocations kept at most; the oldest go first, so a flood of prepares cannot grow the daemon. */
const MAX_PREPARED = 256;
/** Prepared invocations kept per agent: one agent's flood pushes out only its own oldest, never another's. */
export const MAX_PREPARED_PER_AGENT = 16;

type PrepareParams = Extract<GitSignParams, { step: 'prepare' }>;
type SignParams = Extract<GitSignParams, { step: 'sign' }>;

interface Prepared {
  invocationCid: string;
  /** The agent that asked (and whose secret, if it proved it, must be shown again). */
  claimedAgent: string;
  verified: boolean;
  signer: { did: string; name: string; as: 'agent' | 'user' };
  repo: string;
  branch: string;
  /** Unix seconds. */
  exp: number;
  chain: string[];
  /**
   * Single-use delegations of the chain that the prepare's own authorize used up, as the authorizer says: revoked
   * by that use, and rightly so. Any other revoked link was revoked by a person, even during the prepare.
   */
  spent: string[];
  approvalId?: string;
}

export interface CommitSignerOptions {
  home: string;
  store: SecretStore;
  identities: IdentityRegistry;
  authorizer: Authorizer;
  audit: AuditSink;
  isRevoked(cid: string): boolean;
  now?: () => number;
}

export class CommitSigner {
  private readonly prepared = new PreparedInvocations<Prepared>({ perAgent: MAX_PREPARED_PER_AGENT, total: MAX_PREPARED });
  private readonly now: () => number;

  constructor(private readonly options: CommitSignerOptions) {
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  handle(params: GitSignParams, connection: Connection): Promise<GitSignResult> {
    return params.step === 'prepare' ? this.prepare(params, connection) : this.sign(params);
  }

  private async prepare(params: PrepareParams, connection: Connection): Promise<GitSignResult> {
    const { identities, authorizer } = this.options;
    const agent = identities.findAgent(params.agent);
    if (!agent) return refuse('unknown-agent', `there is no agent named "${params.agent}"; create it with \`signet agent create ${params.agent}\``);
    const repo = await canonicalPath(params.repo, params.repo).catch(() => undefined);
    if (repo === undefined) return refuse('invalid-arguments', `the repository path ${params.repo} cannot be used`);
    const verified = params.agentSecret !== undefined && (await isAgentSecret(this.options.store, this.options.home, agent.did, params.agentSecret));
    const args = { repo, branch: params.branch, identity: verified ? 'verified' : 'claimed' };
    let decision: ApprovalDecideParams | undefined;
    const result = await authorizer.authorize(
      { agent: agent.name, cmd: GIT_COMMIT_SIGN_COMMAND, args, workspace: repo },
      connection,
      { mustAsk: !verified, onDecision: (d) => (decision = d) },
    );
    if (result.decision === 'allow') {
      const exp = decodeInvocation(new Uint8Array(Buffer.from(result.invocation, 'base64'))).payload.exp ?? this.now();
      const spent = result.usedUp ?? [];
      const prepared = this.remember({ invocationCid: result.invocationCid, claimedAgent: agent.name, verified, signer: { ...agent, as: 'agent' }, repo, branch: params.branch, exp, chain: result.chain, spent, ...(result.approvalId ? { approvalId: result.approvalId } : {}) });
      return this.allowed(prepared);
    }
    if (decision?.decision === 'deny' && decision.signAs === 'user') return this.allowed(await this.prepareAsUser(agent, args, decision.id, verified));
    return refuse(result.code, result.reason);
  }

  /** "Sign as me": the person's own self-issued invocation, signed with the user key, audited like any allow. */
  private async prepareAsUser(claimedBy: AgentInfo, args: { repo: string; branch: string; identity: string }, approvalId: string, verified: boolean): Promise<Prepared> {
    const { identities, audit } = this.options;
    const now = this.now();
    const user = identities.user;
    const userArgs = { ...args, signAs: 'user', claimedBy: claimedBy.name };
    const invocation = encodeInvocationWith({ iss: user.did, sub: user.did, cmd: GIT_COMMIT_SIGN_COMMAND, args: userArgs, prf: [], nonce: freshNonce(), exp: now + USER_INVOCATION_SECONDS, iat: now }, identities.userSigner);
    const invocationCid = cidOf(invocation);
    await audit.append({
      agent: null,
      kind: 'authorize.allowed',
      data: { cmd: GIT_COMMIT_SIGN_COMMAND, args: userArgs, invocation: invocationCid, token: Buffer.from(invocation).toString('base64'), chain: [], approvalId, signAs: 'user' },
    });
    // The agent's proof, if it gave one, still binds who may spend the user's invocation (see mismatch).
    return this.remember({ invocationCid, claimedAgent: claimedBy.name, verified, signer: { ...user, as: 'user' }, repo: args.repo, branch: args.branch, exp: now + USER_INVOCATION_SECONDS, chain: [], spent: [], approvalId });
  }

  /** A refused signing step, audited like any refused call, so the timeline shows the attempt. */
  private async sign(params: SignParams): Promise<GitSignResult> {
    const result = await this.signOrRefuse(params);
    if (result.decision === 'deny') {
      const agent = this.options.identities.findAgent(params.agent);
      await this.options.audit.append({
        agent: agent?.did ?? null,
        kind: 'authorize.denied',
        data: { agentName: params.agent, cmd: GIT_COMMIT_SIGN_COMMAND, args: { repo: params.repo, step: 'sign' }, code: result.code, reason: result.reason },
      });
    }
    return result;
  }

  private async signOrRefuse(params: SignParams): Promise<GitSignResult> {
    const payload = Buffer.from(params.payload, 'base64');
    // A commit object, and only that: a tag's payload would carry the trailer just as well, and a right to sign
    // commits must not sign release tags (or objects whose id this daemon cannot compute).
    if (!/^tree [0-9a-f]{40}\n/.test(payload.subarray(0, 46).toString('latin1'))) {
      return refuse('invalid-arguments', 'only a SHA-1 commit object can be signed through Signet (a payload starting `tree <40 hex digits>`); tags and SHA-256 repositories are refused');
    }
    const parents = payloadParents(payload);
    if (!parents) {
      return refuse('invalid-arguments', 'the commit\'s header is not one git writes: its `parent` lines must follow `tree` directly, each a 40-hex-digit id');
    }
    const trailers = [...new Set(invocationTrailers(messageOfPayload(payload)))];
    if (trailers.length !== 1) {
      return refuse('no-invocation-trailer', trailers.length ? `the commit names ${trailers.length} different invocations; it must name exactly one` : 'the commit has no Signet-Invocation trailer: the prepare-commit-msg hook did not run (run `signet git setup` in this repository)');
    }
    // Used up before anything is awaited, so that two payloads sent at once under the same trailer cannot both
    // pass the checks below; a refused attempt uses it up too (commit again to prepare a new one).
    const prepared = this.prepared.take(trailers[0]!);
    if (!prepared) return refuse('unknown-invocation', `Signet did not prepare invocation ${trailers[0]} for a commit (copied from another commit, prepared before the daemon restarted, or pushed out by ${MAX_PREPARED_PER_AGENT} later prepares of the same agent); commit again`);
    const problem = await this.mismatch(prepared, params);
    if (problem) return refuse(problem.code, problem.reason);
    const placed = await this.placement(prepared, parents);
    if ('code' in placed) return refuse(placed.code, placed.reason);
    const { identities } = this.options;
    const signer = prepared.signer.as === 'user' ? identities.userSigner : await identities.signerFor(prepared.signer.name);
    const signature = armorSignature(signer.publicKey, signer.sign(signedDataBlob(payload, params.namespace)), params.namespace);
    const commit = signedCommitId(payload, signature);
    await this.options.audit.append({
      agent: prepared.signer.as === 'agent' ? prepared.signer.did : null,
      kind: 'git.commit.signed',
      data: {
        commit,
        invocation: prepared.invocationCid,
        as: prepared.signer.as,
        signer: { did: prepared.signer.did, name: prepared.signer.name },
        ...(prepared.signer.as === 'user' ? { claimedBy: prepared.claimedAgent } : {}),
        repo: prepared.repo,
        branch: prepared.branch,
        // What the daemon read from the repository itself, not what the committer said.
        head: placed.tip,
        parents: placed.parents,
        onHead: placed.place,
        payloadSha256: createHash('sha256').update(payload).digest('hex'),
        fingerprint: sshFingerprint(signer.publicKey),
        chain: prepared.chain,
        ...(prepared.approvalId ? { approvalId: prepared.approvalId } : {}),
      },
    });
    return { ...this.allowed(prepared), signature, commit };
  }

  /** Why the signing process may not use `prepared`, or undefined when it may. */
  private async mismatch(prepared: Prepared, params: SignParams): Promise<{ code: GitSignRefusal; reason: string } | undefined> {
    if (this.now() > prepared.exp) {
      return { code: 'invocation-expired', reason: `invocation ${prepared.invocationCid} expired before git asked for the signature; commit again` };
    }
    const repo = await canonicalPath(params.repo, params.repo).catch(() => params.repo);
    const agent = this.options.identities.findAgent(params.agent);
    const secretOk = !prepared.verified || (agent !== undefined && params.agentSecret !== undefined && (await isAgentSecret(this.options.store, this.options.home, agent.did, params.agentSecret)));
    if (params.agent !== prepared.claimedAgent || !secretOk || repo !== prepared.repo) {
      return { code: 'invocation-mismatch', reason: `invocation ${prepared.invocationCid} was prepared for ${prepared.claimedAgent} in ${prepared.repo}, not for this process (${params.agent} in ${repo})` };
    }
    const revoked = prepared.chain.find((cid) => !prepared.spent.includes(cid) && this.options.isRevoked(cid));
    if (revoked) {
      return { code: 'chain-revoked', reason: `delegation ${revoked} of invocation ${prepared.invocationCid} was revoked before the commit was signed` };
    }
    return undefined;
  }

  /**
   * Where the payload sits in the repository as git reads it now: HEAD on the prepared branch (detached when `HEAD`
   * was prepared), and the payload's first parent the tip (a commit, a merge), the tip's first parent (an amend),
   * or none on an unborn branch (or the amend of a root tip). `git commit` then moves the branch only from the tip
   * it read, so a commit git writes lands where it was checked; what a branch right means is in the README.
   */
  private async placement(prepared: Prepared, parents: string[]): Promise<{ code: GitSignRefusal; reason: string } | { tip: string | null; parents: string[]; place: string }> {
    try {
      const head = await readRepoHead(prepared.repo);
      if (head.toplevel !== prepared.repo) {
        return { code: 'invocation-mismatch', reason: `invocation ${prepared.invocationCid} was prepared for ${prepared.repo}, which is not a repository's top-level folder (git finds ${head.toplevel})` };
      }
      if (head.branch !== prepared.branch) {
        return { code: 'branch-mismatch', reason: `invocation ${prepared.invocationCid} was prepared for a commit on ${describeBranch(prepared.branch)}, but HEAD of ${prepared.repo} is now on ${describeBranch(head.branch)}; commit again` };
      }
      const place = await placeOnHead(prepared.repo, head, parents);
      if (place === undefined) {
        const on = head.tip === null ? `the unborn ${describeBranch(head.branch)}` : `${describeBranch(head.branch)} at ${head.tip}`;
        return { code: 'parent-mismatch', reason: `the commit's first parent is ${parents[0] ?? 'none (a root commit)'}, which does not follow ${on} in ${prepared.repo} (neither its tip, nor the tip's first parent as an amend would be)` };
      }
      return { tip: head.tip, parents, place };
    } catch (error) {
      if (!(error instanceof RepoReadError)) throw error;
      return { code: 'repository-unreadable', reason: `Signet could not read where HEAD is in ${prepared.repo}, so it signs nothing: ${error.message}` };
    }
  }

  private remember(prepared: Prepared): Prepared {
    this.prepared.add(prepared, this.now());
    return prepared;
  }

  private allowed(prepared: Prepared): Extract<GitSignResult, { decision: 'allow' }> {
    const principal: Principal = { did: prepared.signer.did, name: prepared.signer.name };
    return { decision: 'allow', invocationCid: prepared.invocationCid, signer: { principal, as: prepared.signer.as, publicKey: signingKeyLine(principal) } };
  }
}

function describeBranch(branch: string): string {
  return branch === 'HEAD' ? 'a detached HEAD' : `branch ${branch}`;
}

function refuse(code: Extract<GitSignResult, { decision: 'deny' }>['code'], reason: string): GitSignResult {
  return { decision: 'deny', code, reason };
}
