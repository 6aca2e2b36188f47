import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { COMMAND_IDS } from '../../../extension/src/commandIds';

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8'));

test('the extension registers exactly the commands package.json contributes', () => {
  const contributed: string[] = manifest.contributes.commands.map((command: { command: string }) => command.command);
  assert.deepEqual([...COMMAND_IDS].sort(), [...contributed].sort());
});
