// Who decided an approval, from what the daemon can check itself plus what the editor stated about itself.
// The token only says that a client may decide; it does not say who the client is. So every decision records
// the OS user the daemon runs as (the only user whose processes can hold its loopback connection, on Linux
// where that is verified), the user's DID, and the place: the editor window the connection described itself as
// (kept as stated-by-editor) or, for a connection that stated nothing (the CLI, a script holding the UI token),
// the process the daemon found behind the socket. Anything it could not verify is marked so.
import { userInfo } from 'node:os';
import type { ClientDescribeParams, ClientDescribeResult } from '../server/protocol';
import type { PeerIdentity } from '../server/peerProcess';
import type { Connection } from '../server/rpcServer';
import { describeDecider } from './deciderText';

export type DecisionPlace =
  | {
      kind: 'editor';
      stated: 'by-editor';
      app: string;
      workspace: string | null;
      pid: number;
      /** The process the daemon found behind the connection. */
      process: PeerIdentity;
      /** Whether that process is the pid the editor stated; null when the process could not be verified. */
      processMatches: boolean | null;
      /** The editor process is the one that started this daemon (its parent), as the daemon sees it. */
      startedThisDaemon: boolean;
    }
  | { kind: 'process'; process: PeerIdentity };

export interface Decider {
  osUser: { name: string; uid: number | null };
  userDid: string;
  place: DecisionPlace;
  /** Not decided in an editor window, or the window's statement is contradicted by the verified process. */
  outsideEditor: boolean;
}

export class DecisionPlaces {
  private readonly statements = new Map<string, ClientDescribeParams>();
  private readonly osUser = currentOsUser();

  constructor(private readonly userDid: string) {}

  /** Keeps what an editor stated about its connection, for as long as the connection lasts. */
  async describe(statement: ClientDescribeParams, connection: Connection): Promise<ClientDescribeResult> {
    if (!this.statements.has(connection.id)) connection.onClose(() => this.statements.delete(connection.id));
    this.statements.set(connection.id, statement);
    const decider = await this.deciderOf(connection);
    return { decider: describeDecider(decider), consistent: !decider.outsideEditor };
  }

  async deciderOf(connection: Connection | undefined): Promise<Decider> {
    const process: PeerIdentity = connection ? await connection.peer : { verified: false, reason: 'decided without a connection' };
    const statement = connection ? this.statements.get(connection.id) : undefined;
    const base = { osUser: this.osUser, userDid: this.userDid };
    if (!statement) return { ...base, place: { kind: 'process', process }, outsideEditor: true };
    const processMatches = process.verified ? process.process.pid === statement.pid : null;
    const place: DecisionPlace = {
      kind: 'editor',
      stated: 'by-editor',
      app: statement.app,
      workspace: statement.workspace,
      pid: statement.pid,
      process,
      processMatches,
      startedThisDaemon: processMatches === true && statement.pid === globalThis.process.ppid,
    };
    return { ...base, place, outsideEditor: processMatches === false };
  }
}

function currentOsUser(): { name: string; uid: number | null } {
  try {
    const info = userInfo();
    return { name: info.username, uid: info.uid >= 0 ? info.uid : null };
  } catch {
    return { name: process.env.USER ?? process.env.USERNAME ?? 'unknown', uid: null };
  }
}
