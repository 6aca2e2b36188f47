// A second "window" for daemonProcess.test.ts: a separate process that asks for the daemon of a home and
// prints which pid it got and whether it started it.
import { ensureDaemon } from '../../../extension/src/daemon/daemonProcess';

const [home, cliPath] = process.argv.slice(2);
if (!home || !cliPath) throw new Error('usage: ensureDaemonChild.ts HOME CLI');
const result = await ensureDaemon({ home, cliPath, keystore: 'file' });
process.stdout.write(JSON.stringify({ pid: result.runtime.pid, started: result.started }));
