/**
 * The CommEvent upsert's SQL on real PostgreSQL: what a replay, a reconnect or a late event does to
 * a row. No mocks: the statement buildUpsert makes is the one the writer runs.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../../src/database/typeorm-options.js';
import type { CommEventDraft } from '../../src/modules/calls/comm-events/comm-event-draft.js';
import {
  buildUpsert,
  type CommEventRow,
  CommEventsRepository,
  MAX_ROWS_PER_STATEMENT,
} from '../../src/modules/calls/comm-events/comm-events.repository.js';
import { createTestDatabase } from '../support/test-database.js';

const PBX = randomUUID();
const t0 = Date.parse('2026-11-22T20:54:40Z');

function row(
  linkedid: string,
  status: CommEventDraft['status'],
  over: Partial<CommEventRow> = {},
): CommEventRow {
  const answered = status !== 'entered';
  const complete = status === 'complete';
  return {
    pbxId: PBX,
    linkedid,
    direction: 'inbound',
    status,
    outcome: complete ? 'answered' : null,
    fromNumber: '+79161234567',
    fromE164: '+79161234567',
    fromName: 'Ivan Petrov',
    toNumber: '74951234567',
    toE164: '+74951234567',
    queue: 'support',
    agentUserId: null,
    agentExtension: answered ? '1001' : null,
    agentName: answered ? 'Alice Agent' : null,
    contactId: null,
    startedAt: new Date(t0),
    answeredAt: answered ? new Date(t0 + 2000) : null,
    endedAt: complete ? new Date(t0 + 6000) : null,
    waitSeconds: complete ? 1 : null,
    talkSeconds: complete ? 3 : null,
    hangupCause: complete ? 16 : null,
    hangupCauseText: complete ? 'Normal Clearing' : null,
    recordingPath: complete ? '/var/spool/asterisk/monitor/q-1.wav' : null,
    transfers: [],
    legs: complete
      ? [
          {
            extension: '1001',
            interface: 'Local/1001@phones/n',
            memberName: 'Alice Agent',
            queue: 'support',
            channel: 'Local/1001@phones-00000002;1',
            uniqueid: '1795380887.4',
            offeredAt: new Date(t0 + 1000).toISOString(),
            endedAt: new Date(t0 + 2000).toISOString(),
            ringSeconds: 1,
            answered: true,
            reason: 'answered',
          },
        ]
      : [],
    legsDropped: 0,
    variables: complete ? { CRM_COMM_EVENT: 'ce-42' } : {},
    originateActionId: null,
    note: null,
    ...over,
  };
}

describe('CommEvent upsert (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;
  let repo: CommEventsRepository;
  let statements = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(typeOrmOptions(db.url));
    await ds.initialize();
    await ds.runMigrations();
    // Count what reaches the server (a pass-through, not a mock).
    const query = ds.query.bind(ds);
    ds.query = ((sql: string, params?: unknown[]) => {
      statements++;
      return query(sql, params);
    }) as typeof ds.query;
    repo = new CommEventsRepository(ds);
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  const read = async (linkedid: string) =>
    (await ds.query(`SELECT * FROM comm_events WHERE pbx_id = $1 AND linkedid = $2`, [
      PBX,
      linkedid,
    ])) as Record<string, unknown>[];

  it('writes a call once however often the same records come again', async () => {
    await repo.upsert([row('idem.1', 'entered')]);
    await repo.upsert([row('idem.1', 'in_progress')]);
    await repo.upsert([row('idem.1', 'complete')]);
    const [first] = await read('idem.1');
    // a replay of the same call: every state again, then again
    for (let i = 0; i < 2; i++) {
      await repo.upsert([row('idem.1', 'entered')]);
      await repo.upsert([row('idem.1', 'in_progress')]);
      await repo.upsert([row('idem.1', 'complete', { talkSeconds: 99, note: 'replayed' })]);
    }
    // a replay saves nothing, and says so
    expect(await repo.upsert([row('idem.1', 'complete')])).toEqual([]);
    const rows = await read('idem.1');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual(first); // same id, same facts, same updated_at: a complete row is never rewritten
    expect(rows[0]).toMatchObject({
      status: 'complete',
      outcome: 'answered',
      talk_seconds: 3,
      wait_seconds: 1,
    });
    expect(rows[0].legs).toEqual(row('x', 'complete').legs);
    expect(rows[0].variables).toEqual({ CRM_COMM_EVENT: 'ce-42' });
  });

  it('answers the rows it inserted or moved forward, with their ids', async () => {
    const first = await repo.upsert([row('ret.1', 'entered'), row('ret.2', 'complete')]);
    expect(first.map((r) => [r.linkedid, r.status]).sort()).toEqual([
      ['ret.1', 'entered'],
      ['ret.2', 'complete'],
    ]);
    const next = await repo.upsert([row('ret.1', 'in_progress'), row('ret.2', 'complete')]);
    expect(next).toEqual([
      {
        id: first.find((r) => r.linkedid === 'ret.1')!.id,
        pbxId: PBX,
        linkedid: 'ret.1',
        status: 'in_progress',
      },
    ]);
    expect(await repo.idOf(PBX, 'ret.2')).toBe(first.find((r) => r.linkedid === 'ret.2')!.id);
    expect(await repo.idOf(PBX, 'nope')).toBeUndefined();
  });

  it('writes many calls in one statement', async () => {
    const rows = Array.from({ length: 1500 }, (_, i) =>
      row(`many.${i}`, i % 3 === 0 ? 'entered' : 'complete'),
    );
    const before = statements;
    await repo.upsert(rows);
    expect(statements - before).toBe(1);
    const [{ n }] = (await ds.query(
      `SELECT count(*)::int AS n FROM comm_events WHERE linkedid LIKE 'many.%'`,
    )) as {
      n: number;
    }[];
    expect(n).toBe(1500);
    expect(buildUpsert(rows).sql.match(/\),\n\(/g)).toHaveLength(1499);
    expect(() =>
      buildUpsert(Array.from({ length: MAX_ROWS_PER_STATEMENT + 1 }, (_, i) => row(`x${i}`, 'entered'))),
    ).toThrow(RangeError);
  });

  it.each([
    ['entered after in_progress', ['in_progress', 'entered'], 'in_progress'],
    ['entered after complete', ['complete', 'entered'], 'complete'],
    ['in_progress after complete', ['complete', 'in_progress'], 'complete'],
    ['in order', ['entered', 'in_progress', 'complete'], 'complete'],
    ['answered first, then complete', ['in_progress', 'complete'], 'complete'],
  ] as const)('never lets the status go back: %s', async (name, order, expected) => {
    const id = `order.${name.replace(/\W/g, '')}`;
    for (const s of order) await repo.upsert([row(id, s)]);
    const [r] = await read(id);
    expect(r.status).toBe(expected);
    if (expected === 'complete') expect(r).toMatchObject({ outcome: 'answered', talk_seconds: 3 });
    if (expected === 'in_progress') expect(r).toMatchObject({ agent_extension: '1001', outcome: null });
  });

  it('moves a call forward within one batch of several calls, and keeps looked-up ids a later write lacks', async () => {
    const user = randomUUID();
    const contact = randomUUID();
    await repo.upsert([
      row('fwd.1', 'entered', { contactId: contact }),
      row('fwd.2', 'in_progress', { agentUserId: user }),
    ]);
    await repo.upsert([row('fwd.1', 'in_progress'), row('fwd.2', 'complete'), row('fwd.3', 'complete')]);
    const [a] = await read('fwd.1');
    const [b] = await read('fwd.2');
    const [c] = await read('fwd.3');
    expect(a).toMatchObject({ status: 'in_progress', contact_id: contact });
    expect(b).toMatchObject({ status: 'complete', agent_user_id: user });
    expect(c).toMatchObject({ status: 'complete', agent_user_id: null });
  });

  it('keeps the same call apart on two PBXes', async () => {
    await repo.upsert([row('same.1', 'complete'), row('same.1', 'complete', { pbxId: randomUUID() })]);
    const [{ n }] = (await ds.query(
      `SELECT count(*)::int AS n FROM comm_events WHERE linkedid = 'same.1'`,
    )) as {
      n: number;
    }[];
    expect(n).toBe(2);
  });

  it("lists a number's last completed calls for a popup, newest first, as the caller or the one called", async () => {
    const ivan = '+79035550101';
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    const ivanCalls = (over: Partial<CommEventRow>) => ({
      fromNumber: '89035550101',
      fromE164: ivan,
      ...over,
    });
    await repo.upsert([
      row('prev.1', 'complete', ivanCalls({ startedAt: at(1), agentName: 'Alice Agent', talkSeconds: 30 })),
      row(
        'prev.2',
        'complete',
        ivanCalls({ startedAt: at(2), outcome: 'abandoned', agentName: null, talkSeconds: null }),
      ),
      row('prev.3', 'in_progress', ivanCalls({ startedAt: at(3) })), // not over yet: not listed
      row('prev.4', 'complete', {
        direction: 'outbound',
        fromNumber: '1001',
        fromE164: null,
        toNumber: '89035550101',
        toE164: ivan,
        startedAt: at(4),
      }),
      row('prev.5', 'complete', { fromNumber: 'anonymous', fromE164: null, startedAt: at(5) }),
      row('prev.6', 'complete', { startedAt: at(6) }), // another caller
    ]);
    const listed = await repo.previousCalls({ e164: ivan }, 5);
    expect(listed.map((r) => [r.direction, r.outcome, r.agentName, r.talkSeconds])).toEqual([
      ['outbound', 'answered', 'Alice Agent', 3],
      ['inbound', 'abandoned', null, null],
      ['inbound', 'answered', 'Alice Agent', 30],
    ]);
    expect(listed.map((r) => r.startedAt)).toEqual([at(4), at(2), at(1)]);
    const [{ id }] = await read('prev.4');
    expect(listed[0].id).toBe(id);
    expect(await repo.previousCalls({ e164: ivan }, 1)).toHaveLength(1);
    expect((await repo.previousCalls({ raw: 'anonymous' }, 5)).map((r) => r.startedAt)).toEqual([at(5)]);
    expect(await repo.previousCalls({ e164: '+79990000000' }, 5)).toEqual([]);
  });
});
