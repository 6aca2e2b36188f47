// What `signet doctor --json` prints, and what the editor's Protection view reads: per client, one item per MCP
// server and per hook event, each green or red with what is wrong and how to fix it; then the checks of Signet
// itself (daemon, keychain, audit log). Types only, so the extension can import them without the daemon's code.
import type { ClientKind } from '../clients/clientConfigs';

/**
 * How an active probe ended. Only `refused` is good: Signet itself answered the probe. Every other outcome is
 * a call the client would make that Signet did not decide.
 */
export type ProbeOutcome =
  /** Signet refused the probe by its id: calls made this way reach Signet. */
  | 'refused'
  /** The launcher line or hook answered without Signet's refusal: a call made this way would run. */
  | 'went-through'
  /**
   * Blocked, but not by Signet deciding this probe: a hook's fail-closed branch (its launcher is broken), or a proxy
   * that reaches no daemon of this home. Safe, but every call made this way is blocked, so nothing works.
   */
  | 'fallback-blocked'
  /** The launcher line could not start, or exited before answering: the client cannot use this server at all. */
  | 'did-not-start'
  /** Nothing answered in time. */
  | 'no-answer';

export interface ProbeResult {
  outcome: ProbeOutcome;
  ok: boolean;
  /** What was seen, for a person: the answer's text, the exit status, the last lines of stderr. */
  detail: string;
}

/** `signet protect` arguments that fix an item (the editor's Protect action runs exactly these). */
export interface ProtectAction {
  args: string[];
}

export interface DoctorItem {
  /** Stable across runs, for the editor's tree: `server:<client>:<config path>:<name>` or `hook:<client>:<event>:<file>`. */
  id: string;
  kind: 'server' | 'hook';
  client: ClientKind;
  /** The server's name, or the hook event. */
  name: string;
  /** The config or hook settings file the item is written in, when there is one. */
  path?: string;
  scope?: 'workspace' | 'user';
  ok: boolean;
  /** One line: what is in force (or not). */
  summary: string;
  /** Everything found wrong, one sentence each. */
  problems: string[];
  /** What a person can do, when Signet's Protect cannot fix it or as the command line equivalent. */
  fix?: string;
  /** Present when `signet protect` can fix the item by itself. */
  protect?: ProtectAction;
  /** The active probe's result, when probes ran and the item could be probed. */
  probe?: ProbeResult;
}

export interface ClientReport {
  client: ClientKind;
  label: string;
  /** The client looks used here (its folders or config files exist). A client not found has no items. */
  found: boolean;
  items: DoctorItem[];
}

export interface EnvironmentCheck {
  name: 'daemon' | 'keychain' | 'audit-log';
  ok: boolean;
  summary: string;
  fix?: string;
}

export interface DoctorReport {
  /** True when every item of every client found and every environment check is green. */
  ok: boolean;
  home: string;
  workspace: string;
  /** The launcher protected configs should call. */
  launcher: string;
  /** Whether the active probes ran (`--no-probe` skips them). */
  probed: boolean;
  clients: ClientReport[];
  environment: EnvironmentCheck[];
}
