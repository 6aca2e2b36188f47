// `npm run screenshots`: refreshes the pictures the marketplace README shows (extension/media/screenshots/)
// from the screenshots the UI tests take in a real workbench. It runs the UI tests first (packaging the
// .vsix as they do), unless `--from-last-run` says to take those of the last run in test-output/ui/.
// CI never runs this: the committed pictures change only when someone decides the UI changed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const taken = join(repoRoot, 'test-output', 'ui');
const committed = join(repoRoot, 'extension', 'media', 'screenshots');

/** The UI tests' screenshot (under test-output/ui/; each workbench test file has its own folder) → the name the README refers to. */
const PICTURES = {
  'screenshots/1-prompt.png': 'approval-prompt.png',
  'screenshots/2-agents.png': 'agents-view.png',
  'screenshots/3-timeline.png': 'timeline.png',
  'screenshots/5-diff.png': 'show-diff.png',
  'timeline-pictures/screenshots/6-timeline-pictures.png': 'timeline-pictures.png',
  'timeline-pictures/screenshots/7-prompt-outside-editor.png': 'prompt-outside-editor.png',
  // Taken by policyAndRisk.ui.test.ts, which runs its own workbench under test-output/ui/policy/.
  'policy/screenshots/risk-badge-prompt.png': 'risk-badge-prompt.png',
  'policy/screenshots/policies-view.png': 'policies-view.png',
};

if (!process.argv.includes('--from-last-run')) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['run', 'test:ui'], { cwd: repoRoot, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error('screenshots: the UI tests failed, so the committed pictures were left as they were');
    process.exit(1);
  }
}
const missing = Object.keys(PICTURES).filter((shot) => !existsSync(join(taken, shot)));
if (missing.length > 0) {
  console.error(`screenshots: ${missing.join(', ')} missing from ${taken}; run without --from-last-run`);
  process.exit(1);
}
mkdirSync(committed, { recursive: true });
for (const [shot, name] of Object.entries(PICTURES)) {
  copyFileSync(join(taken, shot), join(committed, name));
  console.log(`screenshots: ${join('extension', 'media', 'screenshots', name)} ← ${shot}`);
}
