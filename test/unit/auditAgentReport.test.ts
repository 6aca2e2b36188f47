import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAgentReport, formatReportMarkdown } from '../../daemon/src/audit/agentReport';
import type { AuditRecord } from '../../daemon/src/server/protocol';

const coder = 'did:key:z6MkCoder';
let seq = 0;
const at = (kind: AuditRecord['kind'], agent: string | null, data: Record<string, unknown>): AuditRecord => ({ seq: seq++, time: `2026-12-02T10:00:0${seq % 10}.000Z`, agent, kind, data });

const records: AuditRecord[] = [
  at('identity.created', coder, { name: 'coder', did: coder, role: 'agent' }),
  at('authorize.allowed', coder, { cmd: '/claude-code/tools/bash', args: { tool: 'Bash', input: { command: 'grep -r "a|b" src | wc -l' } } }),
  at('authorize.denied', coder, { cmd: '/claude-code/tools/bash', args: { tool: 'Bash', input: { command: 'rm -rf /' } }, reason: 'denied | by you', code: 'denied-by-user' }),
];

test('shell commands an agent ran through a hook are listed as they were, and table cells escape their pipes', () => {
  const report = buildAgentReport(records, { agent: 'coder' });
  assert.deepEqual(report.commands, ['grep -r "a|b" src | wc -l']);
  assert.deepEqual(report.agents, [{ name: 'coder', did: coder }]);
  const markdown = formatReportMarkdown(report);
  assert.ok(markdown.includes('- `grep -r "a|b" src | wc -l`'), markdown);
  assert.ok(markdown.includes('| coder | Bash | denied \\| by you |'), markdown);
});
