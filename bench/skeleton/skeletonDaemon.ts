// The skeleton daemon of the MCP benchmark's floor (see skeletonProxy.ts): a WebSocket JSON-RPC server on
// loopback that, for each request, does only the steps every design of Signet must do before an allow —
// an Ed25519 signature over the call and one audit line appended and fdatasynced — and answers with the
// signed token. No schemas, no UCAN encoding, no delegation chain, no Merkle tree: what it costs is what
// the processes, the hops and the mandatory work cost on this machine, whatever the implementation.
//
// Usage (bundled by bench/mcp.ts): node daemon.js LOG_FILE TOKEN; prints its port on stdout.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { fdatasyncSync, openSync, writeSync } from 'node:fs';
import { WebSocketServer } from 'ws';

const [logFile, token] = process.argv.slice(2);
if (!logFile || !token) throw new Error('usage: skeletonDaemon.ts LOG_FILE TOKEN');
const { privateKey } = generateKeyPairSync('ed25519');
const log = openSync(logFile, 'a', 0o600);
let seq = 0;

interface AuthorizeFrame {
  id: number;
  params: { agent: string; cmd: string; args: Record<string, unknown> };
}

const server = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  verifyClient: (info: { req: { headers: Record<string, string | string[] | undefined> } }) => info.req.headers.authorization === `Bearer ${token}`,
});
server.on('listening', () => {
  const address = server.address();
  console.log(typeof address === 'object' && address ? address.port : '');
});
server.on('connection', (socket) => {
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as AuthorizeFrame;
    const payload = Buffer.from(JSON.stringify({ ...frame.params, nonce: randomBytes(12).toString('base64') }));
    const signed = Buffer.concat([sign(null, payload, privateKey), payload]).toString('base64');
    const line = JSON.stringify({ seq: seq++, time: new Date().toISOString(), kind: 'authorize.allowed', data: { cmd: frame.params.cmd, args: frame.params.args, token: signed } });
    writeSync(log, `${line}\n`);
    fdatasyncSync(log);
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: frame.id, result: { decision: 'allow', invocation: signed } }));
  });
});
