// OPA for teams that already run it: each authorize also asks OPA's Data API, through the official TypeScript
// SDK, for the document at `path` (default `signet/decision`, i.e. POST /v1/data/signet/decision) with the input
// below, and takes part in "strictest wins". OPA unreachable, slower than the timeout, or answering anything but
// the documented result means deny, with the cause.
import { OPAClient } from '@open-policy-agent/opa';
import { HTTPClient } from '@open-policy-agent/opa/lib/http.js';
import { z } from 'zod';
import type { ShellAnalysis } from './shellCommands';
import type { PolicyCall, PolicyRule, PolicyVerdict } from './ownerPolicy';

/** The input document Signet sends (`input` in Rego): the call as the owner policy sees it, plus the parsed shell line and the time. */
export interface OpaInput extends PolicyCall {
  /** The shell line decomposed into simple commands, when the call runs one; `opaque` says what cannot be seen. */
  shell: { commands: { program: string; argv: string[]; via: string[]; stdinFrom: string; paths: { path: string; access: string }[] }[]; opaque: string[] } | null;
  time: { unix: number; iso: string };
}

/** The result document OPA must answer: `none` leaves the call to Cedar, delegations and approvals. */
export const OpaResult = z.strictObject({
  decision: z.enum(['allow', 'ask', 'deny', 'none']),
  reason: z.string().max(2000).optional(),
  /** The Rego rule's name, shown and audited as the rule that decided. */
  rule: z.string().max(200).optional(),
});
export type OpaResult = z.infer<typeof OpaResult>;

export interface OpaOptions {
  url: string;
  path?: string;
  timeoutMs?: number;
  now?: () => number;
}

export const DEFAULT_OPA_PATH = 'signet/decision';
export const DEFAULT_OPA_TIMEOUT_MS = 2000;

/**
 * Reads the whole answer before the SDK sees it: a body cut short or not JSON would otherwise be rejected inside
 * the SDK a second time, unhandled, which ends a Node process. Such an answer becomes a 502 the SDK reports.
 */
async function fetchWholeJson(input: Request | string | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  const text = await response.text();
  try {
    if (text !== '') JSON.parse(text);
  } catch (error) {
    const message = `the answer is not JSON (${(error as Error).message}): ${text.slice(0, 120)}`;
    return new Response(JSON.stringify({ code: 'signet_unreadable_answer', message }), { status: 502, headers: { 'content-type': 'application/json' } });
  }
  return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
}

export class OpaDecider {
  private readonly client: OPAClient;
  private readonly path: string;
  private readonly timeoutMs: number;
  private readonly where: string;
  private readonly now: () => number;

  constructor(options: OpaOptions) {
    this.client = new OPAClient(options.url, { sdk: { httpClient: new HTTPClient({ fetcher: fetchWholeJson }) } });
    this.path = (options.path ?? DEFAULT_OPA_PATH).replace(/^\/+|\/+$/g, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_OPA_TIMEOUT_MS;
    this.where = `${options.url.replace(/\/+$/, '')}/v1/data/${this.path}`;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  async evaluate(call: PolicyCall, shell: ShellAnalysis | undefined): Promise<PolicyVerdict> {
    const now = this.now();
    const input: OpaInput = {
      agent: call.agent,
      chain: call.chain,
      actingFor: call.actingFor,
      cmd: call.cmd,
      args: call.args,
      paths: call.paths,
      shell: shell ? { commands: shell.commands.map((c) => ({ program: c.program, argv: c.argv, via: c.via, stdinFrom: c.stdinFrom, paths: c.paths })), opaque: shell.opaque } : null,
      workspace: call.workspace,
      time: { unix: now, iso: new Date(now * 1000).toISOString() },
    };
    let answer: unknown;
    try {
      answer = await this.client.evaluate<OpaInput & Record<string, unknown>, unknown>(this.path, input as OpaInput & Record<string, unknown>, {
        timeoutMs: this.timeoutMs,
        retries: { strategy: 'none' },
        fromResult: (result) => result,
      });
    } catch (error) {
      return this.unavailable(`OPA at ${this.where} did not answer: ${(error as Error).message}`);
    }
    const parsed = OpaResult.safeParse(answer);
    if (!parsed.success) {
      return this.unavailable(`OPA at ${this.where} answered ${JSON.stringify(answer)?.slice(0, 200) ?? 'nothing'}, not {"decision": "allow" | "ask" | "deny" | "none", "reason"?: …}`);
    }
    const { decision, reason, rule: name } = parsed.data;
    if (decision === 'none') return { outcome: 'none', matched: [], reason: 'OPA has no opinion' };
    const rule: PolicyRule = { id: name ?? `opa:${this.path}`, file: this.where, line: 0, outcome: decision, ...(reason ? { reason } : {}) };
    const verb = decision === 'deny' ? 'denied' : decision === 'ask' ? 'asked' : 'allowed';
    return { outcome: decision, rule, matched: [rule], reason: `${verb} by OPA rule \`${rule.id}\` (${this.where})${reason ? `: ${reason}` : ''}` };
  }

  private unavailable(reason: string): PolicyVerdict {
    const rule: PolicyRule = { id: 'signet:opa-unavailable', file: this.where, line: 0, outcome: 'deny' };
    return { outcome: 'deny', rule, matched: [rule], reason: `${reason}; nothing runs without the team's policy` };
  }
}
