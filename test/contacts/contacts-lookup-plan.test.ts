import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../../src/database/typeorm-options.js';
import { lookupKeys } from '../../src/modules/contacts/contact-phone-keys.js';
import { buildBestMatchesQuery, buildLookupQuery } from '../../src/modules/contacts/contacts.repository.js';
import { createTestDatabase } from '../support/test-database.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * The lookup SQL that ContactsService runs, EXPLAINed on a table of realistic size: it must reach
 * the numbers through their indexes and the contacts by primary key, never by scanning a table.
 */
describe('contact lookup query plan (100,000 contacts, 200,000 numbers)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(typeOrmOptions(db.url, 2));
    await ds.initialize();
    await ds.runMigrations();
    await ds.query(`
      INSERT INTO contacts (display_name, company, external_ref)
      SELECT 'Contact ' || i, CASE WHEN i % 3 = 0 THEN 'Company ' || (i / 3) END, 'ext-' || i
      FROM generate_series(1, 100000) AS i`);
    // Each contact: a mobile (+7916 + 7 digits, E.164) and either a Moscow office number shared by
    // 50 contacts (E.164) or a foreign number written so that it does not parse (digits only).
    await ds.query(`
      WITH c AS (SELECT id, substring(external_ref FROM 5)::int AS n FROM contacts),
      p AS (
        SELECT id, 0 AS position, '7916' || lpad(n::text, 7, '0') AS digits, true AS parsed FROM c
        UNION ALL
        SELECT id, 1, CASE WHEN n % 2 = 0 THEN '7495' || lpad((n / 50)::text, 7, '0')
                           ELSE '0044' || lpad(n::text, 10, '0') END, n % 2 = 0 FROM c
      )
      INSERT INTO contact_phones (contact_id, position, number, e164, digits, digits_reversed)
      SELECT id, position, digits, CASE WHEN parsed THEN '+' || digits END, digits, reverse(digits) FROM p`);
    await ds.query('ANALYZE contacts');
    await ds.query('ANALYZE contact_phones');
  }, 120_000);
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  /**
   * The plan PostgreSQL picks with the values (custom) and the one it may settle on for the
   * prepared statement the repository uses after a few executions (generic, values unknown).
   */
  async function plan(
    number: string,
    mode: 'force_custom_plan' | 'force_generic_plan',
  ): Promise<{ nodes: PlanNode[]; rows: number }> {
    const keys = lookupKeys(number, 'RU', 10);
    if (!keys) throw new Error(`no keys for ${number}`);
    const { sql, params } = buildLookupQuery(keys, 20);
    const runner = ds.createQueryRunner();
    try {
      await runner.query(`SET plan_cache_mode = ${mode}`);
      const [{ 'QUERY PLAN': explained }] = (await runner.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)) as {
        'QUERY PLAN': { Plan: PlanNode }[];
      }[];
      const rows = ((await runner.query(sql, params)) as unknown[]).length;
      await runner.query('RESET plan_cache_mode');
      return { nodes: nodes(explained[0].Plan), rows };
    } finally {
      await runner.release();
    }
  }

  const indexScans = ['Index Scan', 'Index Only Scan', 'Bitmap Index Scan'];
  const both = ['ix_contact_phones_e164', 'ix_contact_phones_digits_reversed'];
  type Case = [what: string, number: string, rows: number, indexes: string[]];
  const cases: Case[] = [
    ['a mobile by E.164 (national format asked)', '8 916 001-23-45', 1, both],
    ['an office number shared by 50 contacts', '+7 495 000-01-00', 20, both],
    ['a foreign number stored without E.164 (found by its last 10 digits)', '0044 000 001 2345', 1, both],
    ['an unknown caller', '+7 999 000-00-00', 0, both],
    ['an extension (all digits)', '1001', 0, ['ix_contact_phones_digits_reversed']],
  ];
  const modes = ['force_custom_plan', 'force_generic_plan'] as const;

  it.each(
    cases.flatMap(([what, number, rows, indexes]) =>
      modes.map((mode) => ({ what, mode, number, rows, indexes })),
    ),
  )(
    '$what ($mode): indexes only, no Seq Scan',
    async ({ mode, number, rows: expectedRows, indexes: expectedIndexes }) => {
      const { nodes: all, rows } = await plan(number, mode);
      expect(rows).toBe(expectedRows);
      expect(all.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name'])).toEqual([]);
      const phoneIndexes = all.filter(
        (n) => indexScans.includes(n['Node Type']) && n['Index Name']?.startsWith('ix_contact_phones'),
      );
      expect([...new Set(phoneIndexes.map((n) => n['Index Name']))].sort()).toEqual(
        [...expectedIndexes].sort(),
      );
      if (rows > 0) {
        // the contacts themselves by primary key
        expect(
          all.some(
            (n) =>
              indexScans.includes(n['Node Type']) &&
              n['Relation Name'] === 'contacts' &&
              n['Index Name']?.startsWith('PK_'),
          ),
        ).toBe(true);
      }
    },
  );

  it.each(modes)('matches a batch of 200 numbers in one statement by index probes (%s)', async (mode) => {
    const numbers = Array.from({ length: 200 }, (_, i) =>
      i % 4 === 0
        ? `8 916 ${String(i * 37 + 1).padStart(7, '0')}`
        : i % 4 === 1
          ? `0044 ${String(i * 41).padStart(10, '0')}`
          : i % 4 === 2
            ? '1001'
            : `+7 999 ${String(i).padStart(7, '0')}`,
    );
    const keys = numbers.map((n) => lookupKeys(n, 'RU', 10)!);
    const { sql, params } = buildBestMatchesQuery(keys);
    const runner = ds.createQueryRunner();
    try {
      await runner.query(`SET plan_cache_mode = ${mode}`);
      const [{ 'QUERY PLAN': explained }] = (await runner.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)) as {
        'QUERY PLAN': { Plan: PlanNode }[];
      }[];
      const rows = (await runner.query(sql, params)) as { i: string }[];
      await runner.query('RESET plan_cache_mode');
      const all = nodes(explained[0].Plan);
      expect(all.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name'])).toEqual([]);
      expect(all.some((n) => n['Index Name'] === 'ix_contact_phones_digits_reversed')).toBe(true);
      // mobiles (50) and foreign numbers (odd ones, 50) exist; the extension and +7 999 ones do not
      expect(rows).toHaveLength(100);
    } finally {
      await runner.release();
    }
  });
});
