/**
 * npm run contacts:import -- FILE.csv [--url http://127.0.0.1:3000] [--api-key KEY] [--batch 1000] [--delimiter ,]
 *
 * The first load of contacts from a CSV file (layout: src/modules/contacts/contacts-csv.ts),
 * streamed and sent through `PUT /api/v1/contacts/bulk` of a running Switchboard, `--batch`
 * contacts per request (at most 5,000), one request at a time. Rows are upserted by externalRef,
 * so a rerun after fixing the rejected rows is safe. Rejected rows are listed with their line.
 * Defaults: the URL from HOST/PORT, the key from ADMIN_API_KEY or the one the app generated in
 * DATA_DIR. Exit code 0 when every row was written, 1 when some were rejected, 2 on a usage or
 * file error.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CsvReader } from '../common/csv/csv-reader.js';
import { loadConfig } from '../config/load-config.js';
import {
  contactCsvColumns,
  contactFromCsvRow,
  type ContactCsvColumns,
} from '../modules/contacts/contacts-csv.js';

export interface ImportOptions {
  readonly file: string;
  readonly url: string;
  readonly apiKey: string;
  readonly batch: number;
  readonly delimiter?: string;
  /** One line per rejected row (default: stderr). */
  readonly report?: (line: string) => void;
}

export interface ImportResult {
  rows: number;
  created: number;
  updated: number;
  failed: number;
  seconds: number;
}

interface BulkAnswer {
  created: number;
  updated: number;
  failed: number;
  errors: {
    index: number;
    externalRef: string | null;
    code: string;
    message: string;
    details?: { field?: string; message: string }[];
  }[];
}

export async function importContactsCsv(o: ImportOptions): Promise<ImportResult> {
  const report = o.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = performance.now();
  const result: ImportResult = { rows: 0, created: 0, updated: 0, failed: 0, seconds: 0 };
  let columns: ContactCsvColumns | undefined;
  const pending: { line: number; item: Record<string, unknown> }[] = [];

  /** Sends the first `--batch` pending rows. */
  const send = async () => {
    const batch = pending.splice(0, o.batch);
    const res = await fetch(`${o.url.replace(/\/$/, '')}/api/v1/contacts/bulk`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-api-key': o.apiKey },
      body: JSON.stringify({ contacts: batch.map((b) => b.item) }),
    });
    if (res.status !== 200) {
      throw new Error(
        `PUT /api/v1/contacts/bulk answered ${res.status}: ${(await res.text()).slice(0, 500)}`,
      );
    }
    const answer = (await res.json()) as BulkAnswer;
    result.created += answer.created;
    result.updated += answer.updated;
    result.failed += answer.failed;
    for (const e of answer.errors) {
      const fields = e.details?.map((d) => `${d.field ?? ''}: ${d.message}`).join('; ');
      report(
        `line ${batch[e.index].line}${e.externalRef ? ` (${e.externalRef})` : ''}: ${e.code} ${e.message}${fields ? ` [${fields}]` : ''}`,
      );
    }
  };

  const reader = new CsvReader(
    (record, line) => {
      if (!columns) {
        columns = contactCsvColumns(record);
        return;
      }
      result.rows++;
      pending.push({ line, item: contactFromCsvRow(columns, record) });
    },
    { delimiter: o.delimiter },
  );
  // for await pauses the file while a batch is in flight: memory stays at about one batch
  for await (const chunk of createReadStream(o.file, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
    reader.push(chunk as string);
    while (pending.length >= o.batch) await send();
  }
  reader.end();
  if (!columns) throw new Error('the file is empty: expected a header row');
  while (pending.length > 0) await send();
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

const USAGE =
  'usage: npm run contacts:import -- FILE.csv [--url http://127.0.0.1:3000] [--api-key KEY] [--batch 1000] [--delimiter ,]';

function parseArgs(argv: readonly string[]): ImportOptions {
  const flags = new Map<string, string>();
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`${argv[i]} needs a value`);
      flags.set(argv[i].slice(2), value);
      i++;
    } else files.push(argv[i]);
  }
  for (const flag of flags.keys()) {
    if (!['url', 'api-key', 'batch', 'delimiter'].includes(flag)) throw new Error(`unknown option --${flag}`);
  }
  if (files.length !== 1) throw new Error('name one CSV file');
  const batch = Number(flags.get('batch') ?? 1000);
  if (!Number.isInteger(batch) || batch < 1 || batch > 5000) throw new Error('--batch must be 1..5000');
  const config = loadConfig();
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  const keyFile = join(config.dataDir, 'admin-api-key');
  const apiKey =
    flags.get('api-key') ??
    config.auth.adminApiKey ??
    (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (!apiKey)
    throw new Error(
      `no API key: pass --api-key, set ADMIN_API_KEY, or start the app once (it writes ${keyFile})`,
    );
  return {
    file: resolve(files[0]),
    url: flags.get('url') ?? `http://${host}:${config.http.port}`,
    apiKey,
    batch,
    delimiter: flags.get('delimiter'),
  };
}

async function main(): Promise<void> {
  let options: ImportOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  try {
    const r = await importContactsCsv(options);
    process.stdout.write(
      `${r.rows} rows in ${r.seconds.toFixed(1)} s: ${r.created} created, ${r.updated} updated, ${r.failed} rejected\n`,
    );
    process.exit(r.failed > 0 ? 1 : 0);
  } catch (e) {
    process.stderr.write(`contacts:import: ${(e as Error).message}\n`);
    process.exit(2);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
