// When the daemon's connection state is news for the Protection view: doctor checks whether the daemon answers,
// so the view runs it again when that changes. Not on the state before the first attempt to connect ("not
// started", replaced by the attempt's outcome a moment later: doctor would run twice at start-up), not while an
// attempt is under way, and not when a retry ends as the one before it did (a daemon that stays down is not news).
import type { ConnectionState } from '../daemon/daemonConnection';

type StateKind = ConnectionState['kind'];

export class ConnectionChecks {
  /** The outcome of the last attempt to connect; undefined before the first one ended. */
  private settled: StateKind | undefined;

  /**
   * The reason to run doctor again for `state`, or undefined when nothing doctor checks has changed.
   * `beforeFirstAttempt` marks the state the connection starts in, before it has tried anything.
   */
  reasonFor(state: ConnectionState, beforeFirstAttempt = false): string | undefined {
    if (beforeFirstAttempt || state.kind === 'connecting' || state.kind === this.settled) return undefined;
    this.settled = state.kind;
    return `the daemon is ${state.kind}`;
  }
}
