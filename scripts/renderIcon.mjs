// Renders extension/media/icon.svg to the 128×128 PNG that the Marketplace and Open VSX show
// (extension/media/icon.png, committed). Run it after changing the SVG: `node scripts/renderIcon.mjs`.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './codeServer.mjs';

const media = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'extension', 'media');
const svg = readFileSync(join(media, 'icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.SIGNET_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: join(media, 'icon.png'), omitBackground: true });
  console.log(`wrote ${join(media, 'icon.png')}`);
} finally {
  await browser.close();
}
