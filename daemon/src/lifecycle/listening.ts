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
  /** Closes the socket and removes the runtime file, in that order. */
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
      await ws.close();
      try {
        unlinkSync(runtimePath);
      } catch {
        /* already gone */
      }
    },
  };
}
