// A small demo agent. It has its own identity (created on first use) and asks the Signet daemon, over
// the agent side of its WebSocket API, before each thing it wants to do. The first time, nothing covers
// its requests, so each one appears in VS Code as an approval prompt; what you allow is remembered as a
// signed delegation (once, for the session, for hours, always), and what you deny is refused.
//
//   SIGNET_HOME=… node demo/agent.mjs          (npm start runs it for you)
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const workspace = dirname(fileURLToPath(import.meta.url));
const home = resolve(process.env.SIGNET_HOME ?? join(homedir(), '.signet'));
const agent = process.env.DEMO_AGENT ?? 'demo-agent';

/** What the agent wants to do, in order: MCP-style tool calls on the demo workspace. */
const plan = [
  { say: 'read the README', tool: 'read_file', arguments: { path: 'README.md' } },
  { say: 'write its notes', tool: 'write_file', arguments: { path: 'notes/todo.md', content: '- try Signet\n' } },
  { say: 'edit the app', tool: 'edit_file', arguments: { path: 'src/app.ts', find: 'Hello', replace: 'Hello, Signet' } },
  { say: 'delete a file', tool: 'delete_file', arguments: { path: 'src/legacy.ts' } },
];

function connect() {
  const runtime = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'));
  const socket = new WebSocket(`ws://127.0.0.1:${runtime.port}`, { headers: { authorization: `Bearer ${runtime.agentToken}` } });
  const pending = new Map();
  let nextId = 1;
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    const entry = pending.get(message.id);
    if (!entry) return;
    pending.delete(message.id);
    if (message.error) entry.reject(new Error(`${message.error.message} (code ${message.error.code})`));
    else entry.resolve(message.result);
  });
  const closed = new Promise((r) => socket.once('close', r));
  const opened = new Promise((r, j) => {
    socket.once('open', r);
    socket.once('error', j);
  });
  return {
    opened,
    closed,
    request(method, params) {
      const id = nextId++;
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      return new Promise((resolvePromise, reject) => pending.set(id, { resolve: resolvePromise, reject }));
    },
    close: () => socket.close(),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  let client;
  for (let attempt = 0; ; attempt++) {
    try {
      client = connect();
      await client.opened;
      break;
    } catch {
      if (attempt === 60) throw new Error(`no Signet daemon answers for ${home}; start one with \`signet daemon\` or open VS Code with the extension`);
      await sleep(1000);
    }
  }
  console.log(`demo agent "${agent}" connected to signetd (home ${home})`);
  for (let round = 1; ; round++) {
    for (const step of plan) {
      console.log(`[${agent}] wants to ${step.say}: ${step.tool} ${JSON.stringify(step.arguments)}`);
      const result = await client.request('authz/authorize', {
        agent,
        cmd: '/mcp/tools/call',
        args: { server: 'demo-files', tool: step.tool, arguments: step.arguments },
        workspace,
        createAgent: true,
      });
      if (result.decision === 'allow') console.log(`[${agent}]   allowed${result.approvalId ? ' (you approved it)' : ' (already covered)'}; signed invocation ${result.invocationCid}`);
      else console.log(`[${agent}]   refused: ${result.reason}`);
      await sleep(3000);
    }
    console.log(`[${agent}] round ${round} done; asking again in 30 s (what you allowed for the session or longer goes through silently)`);
    await sleep(30_000);
  }
}

main().catch((error) => {
  console.error(`demo agent: ${error.message}`);
  process.exit(1);
});
