// The skeleton proxy of the MCP benchmark's floor: the same process and hops as `signet mcp-proxy` (stdio
// to the client, a child server on stdio, a WebSocket to a daemon), doing only what any such proxy must:
// each `tools/call` waits for the daemon's answer and goes on with the signed token in `_meta`; everything
// else, and all the server's output, passes through. No validation, no error paths: a benchmark fixture,
// never a product. Paired with skeletonDaemon.ts, it shows the least latency this design adds here.
//
// Usage (bundled by bench/mcp.ts): node proxy.js PORT TOKEN -- SERVER_COMMAND ARGS…
import { spawn } from 'node:child_process';
import { WebSocket } from 'ws';

const [port, token, separator, command, ...args] = process.argv.slice(2);
if (!port || !token || separator !== '--' || !command) throw new Error('usage: skeletonProxy.ts PORT TOKEN -- COMMAND ARGS…');

interface Message {
  id?: number | string;
  method?: string;
  params?: { name?: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> };
}

const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'] });
const daemon = new WebSocket(`ws://127.0.0.1:${port}`, { headers: { authorization: `Bearer ${token}` } });
const waiting = new Map<number, Message>();
let nextId = 0;

daemon.on('message', (data) => {
  const answer = JSON.parse(String(data)) as { id: number; result: { invocation: string } };
  const call = waiting.get(answer.id);
  waiting.delete(answer.id);
  if (!call) return;
  // The invocation alone, without the delegation chain Signet also sends: if anything, the floor is a little low.
  call.params = { ...call.params, _meta: { ...call.params?._meta, 'signet/invocation': { invocation: answer.result.invocation } } };
  child.stdin.write(`${JSON.stringify(call)}\n`);
});

let pending = '';
daemon.on('open', () => {
  process.stdin.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      const message = JSON.parse(line) as Message;
      if (message.method !== 'tools/call') {
        child.stdin.write(`${line}\n`);
        continue;
      }
      const id = ++nextId;
      waiting.set(id, message);
      const params = { agent: 'bench', cmd: '/mcp/tools/call', args: { server: 'everything', tool: message.params?.name, arguments: message.params?.arguments } };
      daemon.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'authorize', params }));
    }
  });
});
child.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk));
process.stdin.on('end', () => child.stdin.end());
child.on('exit', (code) => {
  daemon.close();
  process.exit(code ?? 0);
});
