import { randomUUID } from 'node:crypto';
import net from 'node:net';
import fc from 'fast-check';
import { io } from 'socket.io-client';
import { COMMANDS } from '../../src/client/operator-protocol.js';
import { AmiParser } from '../../src/protocol/ami/ami-parser.js';
import { createTestDatabase } from '../support/test-database.js';
import { addPbx, type Instance, person, sleep, spawnInstance, until } from './support/cluster.js';

/**
 * Bad input everywhere, generated with fast-check: AMI frames into the parser and down a live PBX
 * link, FastAGI sessions, REST bodies, Socket.IO command payloads. Nothing crashes, memory stays
 * bounded, every refusal is a clear 4xx or an error acknowledgement.
 */

const AMI_ALPHABET = [
  '\r',
  '\n',
  ':',
  ' ',
  'A',
  'Event',
  'Response',
  'ActionID',
  'EventList',
  'Output',
  '\u00ff',
  '\u0000',
];
/** Frame-ish text: key/value lines, stray CR/LF, truncation, huge values. */
const amiChunk = fc.oneof(
  fc.array(fc.constantFrom(...AMI_ALPHABET), { maxLength: 200 }).map((a) => a.join('')),
  fc
    .array(fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 200 })), { maxLength: 20 })
    .map((kv) => kv.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n'),
  fc.string({ maxLength: 400 }),
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.constantFrom(
    'Event: Newchannel\r\nChannel: PJSIP/1001-0001\r\nUniqueid: 1.1\r\nLinkedid: 1.1',
    'Response: Success\r\nActionID: 999\r\n\r\n',
  ),
);

const rss = async (inst: Instance) => (await inst.metric('process_resident_memory_bytes')) ?? 0;

describe('fault: bad input everywhere (generated)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: Instance;
  let fake: net.Server;
  let garbage: string[] = [];
  const fakeSockets = new Set<net.Socket>();

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await spawnInstance('bad-input', { DATABASE_URL: db.url, OPERATOR_COMMANDS_PER_SECOND: '1000' });
  });
  afterAll(async () => {
    await app?.stop();
    for (const s of fakeSockets) s.destroy();
    await new Promise((r) => (fake ? fake.close(r) : r(undefined)));
    await db?.drop();
  });

  it('AMI parser: any bytes, any chunking: no exception, bounded buffer', () => {
    fc.assert(
      fc.property(
        fc.array(amiChunk, { maxLength: 30 }),
        fc.array(fc.nat(50), { maxLength: 30 }),
        (chunks, cuts) => {
          const parser = new AmiParser(() => undefined, {
            maxLineBytes: 1024,
            maxMessageBytes: 16 * 1024,
            onError: () => undefined,
          });
          const bytes = Buffer.from(chunks.join(''), 'latin1');
          let at = 0;
          for (const cut of [...cuts, bytes.length]) {
            const next = Math.min(bytes.length, at + cut + 1);
            parser.push(bytes.subarray(at, next));
            at = next;
            expect(parser.bufferedBytes).toBeLessThanOrEqual(16 * 1024 + 1024 + 2);
            if (at >= bytes.length) break;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a live PBX link fed random and truncated frames: the app stays up, memory bounded, the link recovers', async () => {
    garbage = fc.sample(amiChunk, 3000);
    garbage.push('X'.repeat(5 * 1024 * 1024)); // a 5 MB line without an end
    fake = net.createServer((sock) => {
      fakeSockets.add(sock);
      sock.on('close', () => fakeSockets.delete(sock));
      sock.on('error', () => undefined);
      sock.write('Asterisk Call Manager/11.0.0\r\n');
      let buf = '';
      let loggedIn = false;
      sock.on('data', (d) => {
        buf += d.toString('latin1');
        let end: number;
        while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 4);
          const id = /ActionID: (.*)/i.exec(frame)?.[1] ?? '';
          sock.write(`Response: Success\r\nActionID: ${id}\r\nMessage: ok\r\n\r\n`);
          if (/Action: Login/i.test(frame) && !loggedIn) {
            loggedIn = true;
            // then garbage, in random pieces, and the connection dropped at the end
            void (async () => {
              for (const g of garbage) {
                if (sock.destroyed) return;
                sock.write(g, 'latin1');
                await new Promise((r) => setImmediate(r));
              }
              sock.end();
            })();
          }
        }
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const before = await rss(app);
    await addPbx(app, 'garbage', (fake.address() as net.AddressInfo).port);
    // several rounds: the client reconnects after each drop
    await until(
      'several sessions through',
      async () => {
        const h = await app.health();
        return ((h.components['ami:garbage']?.actions as { connects?: number })?.connects ?? 0) >= 3;
      },
      60_000,
    );
    const after = await rss(app);
    process.stdout.write(
      `RSS before ${(before / 1e6).toFixed(0)} MB, after garbage ${(after / 1e6).toFixed(0)} MB\n`,
    );
    expect(after - before).toBeLessThan(150e6);
    expect((await app.health()).components.database.status).toBe('up');
    expect(app.child.exitCode).toBeNull();
  }, 120_000);

  it('FastAGI: random sessions are answered or dropped, the server keeps answering', async () => {
    const port = (await app.health()).components.agi.port as number;
    const header = fc.oneof(
      fc.string({ maxLength: 500 }),
      fc
        .array(
          fc.tuple(
            fc.constantFrom('agi_network_script', 'agi_callerid', 'agi_request', 'agi_x', ''),
            fc.string({ maxLength: 100 }),
          ),
          { maxLength: 40 },
        )
        .map((kv) => kv.map(([k, v]) => `${k}: ${v}\n`).join('') + (Math.random() < 0.5 ? '\n' : '')),
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    const sessions = fc.sample(header, 300);
    let i = 0;
    const worker = async () => {
      while (i < sessions.length) {
        const text = sessions[i++];
        await new Promise<void>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          const done = () => {
            s.destroy();
            resolve();
          };
          s.on('error', done);
          s.on('close', done);
          s.on('connect', () => {
            s.write(text, 'latin1');
            if (Math.random() < 0.5) s.end();
          });
          s.on('data', (d) => {
            if (/^\w+ /m.test(d.toString())) s.write('200 result=1\n');
          });
          setTimeout(done, 3000);
        });
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const h = await app.health();
    expect(h.components.agi).toMatchObject({ status: 'up', listening: true });
    expect(app.child.exitCode).toBeNull();
  }, 120_000);

  it('REST: random bodies get a 4xx with a coded error, never a 5xx', async () => {
    const routes: [string, string][] = [
      ['POST', '/api/v1/users'],
      ['POST', '/api/v1/pbxes'],
      ['POST', '/api/v1/contacts'],
      ['PUT', '/api/v1/contacts/bulk'],
      ['POST', '/api/v1/peers'],
      ['POST', '/api/v1/groups'],
      ['POST', '/api/v1/calls'],
      ['POST', '/api/v1/auth/token'],
      ['GET', '/api/v1/comm-events?limit=abc&from=yesterday'],
      ['PATCH', `/api/v1/pbxes/${randomUUID()}`],
    ];
    const bodies = fc.sample(
      fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 300 }),
        fc
          .dictionary(
            fc.constantFrom(
              'displayName',
              'role',
              'name',
              'amiPort',
              'userId',
              'number',
              'phones',
              '__proto__',
              'constructor',
            ),
            fc.jsonValue(),
          )
          .map((v) => JSON.stringify(v)),
      ),
      400,
    );
    const statuses = new Map<number, number>();
    let k = 0;
    for (const body of bodies) {
      const [method, path] = routes[k++ % routes.length];
      const res = await app.api(path, {
        method,
        body: method === 'GET' ? undefined : body,
        headers: { 'content-type': 'application/json' },
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const text = await res.text();
      if (res.status >= 500)
        throw new Error(`${method} ${path} ${body.slice(0, 200)} -> ${res.status} ${text}`);
      if (res.status >= 400)
        expect(JSON.parse(text)).toMatchObject({
          error: { code: expect.any(String), message: expect.any(String) },
        });
    }
    process.stdout.write(`REST statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
  }, 120_000);

  it('Socket.IO: random command payloads get an error acknowledgement; socket and server stay up', async () => {
    const op = await person(app, 'Fuzz Operator');
    const socket = io(`${app.url}/operator`, {
      auth: { token: op.token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const payloads = fc.sample(
      fc.oneof(fc.jsonValue(), fc.string({ maxLength: 2000 }), fc.constant(undefined), fc.constant(null)),
      300,
    );
    let i = 0;
    const acks: unknown[] = [];
    for (const payload of payloads) {
      const name = [...COMMANDS, 'nonsense:command', 'call:answer'][i++ % (COMMANDS.length + 2)];
      const ack = await new Promise((resolve) => {
        socket
          .timeout(5000)
          .emit(name, payload, (err: Error | null, a: unknown) => resolve(err ? { timeout: true, name } : a));
        if (name === 'nonsense:command') resolve({ ignored: true });
      });
      acks.push(ack);
    }
    const errors = acks.filter((a) => (a as { ok?: boolean }).ok === false);
    expect(errors.length).toBeGreaterThan(200);
    for (const e of errors)
      expect(e).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(acks.filter((a) => (a as { timeout?: boolean }).timeout)).toEqual([]);
    // a binary blob and an oversized message: the server drops that connection, not itself
    socket.emit('call:dial', Buffer.alloc(64 * 1024));
    await sleep(500);
    socket.close();
    const h = await app.health();
    expect(h.components['operator-gateway'].status).toBe('up');
    expect(app.child.exitCode).toBeNull();
  }, 120_000);
});
