// The WebSocket and the runtime file that tells clients its port and the agent token. The file is written only once
// the socket listens, and removed at stop, so a client never finds a port nobody answers on.
import { unlinkSync } from 'node:fs';
import { writeRuntimeFile } from '../home/signetHome';
import type { Logger } from '../logger';
import type { RpcServer } from '../server/rpcServer';
import { listenWebSocket, type WsServerTokens } from '../server/wsServer';
import { SIGNET_VERSION } from '../version';

export interface Listening {
  port: number;
  /** Removes the runtime file, so no client looks for the port any more, then closes the socket. */
  close(): Promise<void>;
}

export async function listenAndPublish(server: RpcServer, tokens: WsServerTokens, home: string, runtimePath: string, startedAt: number, log: Logger): Promise<Listening> {
  const ws = await listenWebSocket(server, tokens, log);
  try {
    await writeRuntimeFile(home, { port: ws.port, pid: process.pid, agentToken: tokens.agent, version: SIGNET_VERSION, startedAt: new Date(startedAt).toISOString() });
  } catch (error) {
    await ws.close();
    throw error;
  }
  return {
    port: ws.port,
    async close() {
      try {
        unlinkSync(runtimePath);
      } catch {
        /* already gone */
      }
      await ws.close();
    },
  };
}
