import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importContactsCsv } from '../../src/cli/contacts-import-cli.js';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app.js';

describe('contacts:import (CSV through the bulk API)', () => {
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    app = await startTestApp();
    await app.api('/api/v1/users', {
      method: 'POST',
      json: { externalRef: 'agent-1', displayName: 'Alice Agent', role: 'operator' },
    });
    dir = mkdtempSync(join(tmpdir(), 'contacts-import-'));
  });
  afterAll(() => app?.stop());

  const lookup = async (number: string) =>
    (
      (await (await app.api(`/api/v1/contacts/lookup?number=${encodeURIComponent(number)}`)).json()) as {
        candidates: { displayName: string; responsibleUserId: string | null; externalRef: string }[];
      }
    ).candidates;

  it('streams 2,500 rows in batches, reports rejected rows by line, and reruns as updates', async () => {
    const lines = ['\uFEFFexternalRef;Name;Company;responsibleUser;phone:mobile;phones'];
    for (let i = 0; i < 2500; i++) {
      lines.push(
        `crm-${i};"Customer ${i}; ""VIP""";ACME;agent-1;+7 916 ${String(i).padStart(7, '0')};8 (495) 000-00-00`,
      );
    }
    lines.push('crm-bad-1;;;;;'); // no name: line 2502
    lines.push('crm-bad-2;Unknown Owner;;nobody;;'); // line 2503
    lines.push('"crm-multi";"Two\nLines";;;"1001; 1002";'); // a quoted line break: starts on line 2504
    const file = join(dir, 'contacts.csv');
    writeFileSync(file, lines.join('\r\n') + '\r\n');

    const rejected: string[] = [];
    const first = await importContactsCsv({
      file,
      url: app.url,
      apiKey: TEST_ADMIN_KEY,
      batch: 1000,
      delimiter: ';',
      report: (l) => rejected.push(l),
    });
    expect(first).toMatchObject({ rows: 2503, created: 2501, updated: 0, failed: 2 });
    expect(rejected).toEqual([
      expect.stringMatching(/^line 2502 \(crm-bad-1\): VALIDATION_FAILED .*displayName/),
      expect.stringMatching(/^line 2503 \(crm-bad-2\): VALIDATION_FAILED No user nobody/),
    ]);
    expect(await lookup('89160002499')).toEqual([
      expect.objectContaining({
        displayName: 'Customer 2499; "VIP"',
        externalRef: 'crm-2499',
        responsibleUserId: expect.any(String),
      }),
    ]);
    expect((await lookup('+74950000000')).length).toBe(20); // the shared office number, lookup's default limit
    expect((await lookup('1002')).map((c) => c.displayName)).toEqual(['Two\nLines']);

    const again = await importContactsCsv({
      file,
      url: app.url,
      apiKey: TEST_ADMIN_KEY,
      batch: 5000,
      delimiter: ';',
      report: () => undefined,
    });
    expect(again).toMatchObject({ rows: 2503, created: 0, updated: 2501, failed: 2 });
  });

  it('refuses a file whose header it does not understand, before sending anything', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'externalRef,displayName,emial\nx,y,z\n');
    await expect(
      importContactsCsv({ file, url: app.url, apiKey: TEST_ADMIN_KEY, batch: 10 }),
    ).rejects.toThrow(/unknown columns: emial/);
    const wrongKey = join(dir, 'ok.csv');
    writeFileSync(wrongKey, 'externalRef,displayName\nx,y\n');
    await expect(
      importContactsCsv({ file: wrongKey, url: app.url, apiKey: 'sbk_wrong', batch: 10 }),
    ).rejects.toThrow(/answered 401/);
  });
});
