import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { header } from '../../src/protocol/ami/ami-message.js';
import { CallPlayer, type OperatorLab, startOperatorLab, until } from './operator-test-kit.js';

/**
 * The operator console in a real browser (Debian's headless Chromium driven by playwright-core):
 * two operators sign in; the simulator plays an inbound queue call ringing both; the popup shows
 * the caller's contact; Alice answers (the simulator receives the Redirect), Bob's popup closes;
 * Alice hangs up and finds the call in her history with its recording. Screenshots go to artifacts/.
 */
const ARTIFACTS = join(import.meta.dirname, '../../artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A short silent WAV (8 kHz, 16 bit, mono), so the player has something real to load. */
function silentWav(ms: number): Buffer {
  const samples = Math.round((8000 * ms) / 1000);
  const data = Buffer.alloc(samples * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

describe('Operator console in headless Chromium', () => {
  let lab: OperatorLab;
  let browser: Browser;
  let recordings: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    recordings = mkdtempSync(join(tmpdir(), 'switchboard-recordings-'));
    lab = await startOperatorLab({ RECORDINGS_DIR: recordings });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
    if (recordings) rmSync(recordings, { recursive: true, force: true });
  });

  async function signIn(token: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') console.error('page console:', m.text());
    });
    // The token travels in the fragment: the server never sees it in a URL.
    await page.goto(`${lab.app.url}/console#token=${encodeURIComponent(token)}`);
    await page.locator('#link.on').waitFor();
    return page;
  }

  it('popup with the contact, Answer wins, the other popup closes, hang-up puts the call in history with its recording', async () => {
    const alice = await signIn(lab.alice.token);
    const bob = await signIn(lab.bob.token);
    expect(new URL(alice.url()).hash).toBe(''); // the token left the address bar
    await alice.locator('#agent .ext', { hasText: 'Ext. 1001' }).waitFor();
    await alice.locator('#queues tr[data-queue="support"] td.ready').waitFor();

    const player = await CallPlayer.load(lab.sim, 'inbound-queue-answered.ami');
    const pass = 7;
    const linkedid = player.linkedid(pass);
    const callId = `${lab.pbxId}:${linkedid}`;
    const file = /Variable: MIXMONITOR_FILENAME\r\nValue: ([^\r]+)/.exec(player.frames(pass).join(''))![1];
    writeFileSync(join(recordings, basename(file)), silentWav(500));

    // Both phones ring.
    const call = player.cursor(pass);
    let rung = 0;
    call.until((name) => name === 'AgentCalled' && ++rung === 2);
    const alicePopup = alice.locator(`.card.offer[data-call-id="${callId}"]`);
    const bobPopup = bob.locator(`.card.offer[data-call-id="${callId}"]`);
    await alicePopup.waitFor();
    await bobPopup.waitFor();
    // Queue figures reach the queue's members.
    await alice.locator('#queues tr[data-queue="support"] td.waiting', { hasText: '1' }).waitFor();
    await expect(alicePopup.locator('.contact a').textContent()).resolves.toBe('Ivan Petrov');
    await expect(alicePopup.locator('.contact a').getAttribute('href')).resolves.toBe(
      'https://crm.example/party/ivan-1',
    );
    await expect(alicePopup.textContent()).resolves.toContain('Petrov & Sons');
    await alice.screenshot({ path: join(ARTIFACTS, 'console-1-popup.png') });

    // Alice answers: the waiting caller is redirected to her phone; Bob's popup closes.
    await alicePopup.locator('button.answer').click();
    const redirect = await until('the Redirect', () =>
      lab.sim.actionsReceived.find(
        (a) => header(a, 'action')?.toLowerCase() === 'redirect' && header(a, 'exten') === '1001',
      ),
    );
    expect(redirect.headers).toMatchObject({ context: 'phones', priority: '1' });
    expect(redirect.headers.channel).toMatch(/^Local\/74951234567@incoming-[0-9a-f]{8};2$/);
    await bobPopup.waitFor({ state: 'detached' });
    await expect(bob.locator('#offers .empty').textContent()).resolves.toBe('No call is ringing for you.');
    await bob.screenshot({ path: join(ARTIFACTS, 'console-2-other-popup-closed.png') });

    // Her phone rings and she picks up (the rest of the recording up to the connection).
    call.until((name) => name === 'AgentConnect');
    const onLine = alice.locator(`.card.call[data-call-id="${callId}"]`);
    await onLine.waitFor();
    await expect(alicePopup.count()).resolves.toBe(0);
    await alice.screenshot({ path: join(ARTIFACTS, 'console-3-on-the-line.png') });

    // Hang up: the PBX receives the Hangup; the call ends (the recording's own hangups follow).
    await onLine.locator('button.hangup').click();
    await until('the Hangup', () =>
      lab.sim.actionsReceived.find(
        (a) =>
          header(a, 'action')?.toLowerCase() === 'hangup' &&
          /incoming-[0-9a-f]{8};2$/.test(header(a, 'channel') ?? ''),
      ),
    );
    call.until();
    await onLine.waitFor({ state: 'detached' });
    const row = alice.locator('#history .history-item', { hasText: '+79161234567' }).first();
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('answered');
    await row.locator('button.play').click();
    const audio = alice.locator('#player');
    await audio.waitFor({ state: 'visible' });
    await expect(audio.getAttribute('src')).resolves.toMatch(/^blob:/);
    const duration = await until('the recording loaded', () =>
      alice.evaluate(() => {
        const a = (
          globalThis as unknown as { document: { getElementById(id: string): { duration: number } } }
        ).document.getElementById('player');
        return Number.isFinite(a.duration) && a.duration > 0 ? a.duration : undefined;
      }),
    );
    expect(duration).toBeCloseTo(0.5, 1);
    await alice.screenshot({ path: join(ARTIFACTS, 'console-4-history.png'), fullPage: true });
  }, 90_000);
});
