import { join } from 'node:path';

import { AgiCommandErrorCode, AgiProtocolErrorCode, AgiSessionErrorCode } from './agi.exception.js';
import { command, getVariable, noop, setVariable, verbose } from './agi-command.js';
import { loadAgiFixture } from './agi-fixture.js';
import { variableValue, type AgiRequest, type AgiResultReply } from './agi-message.js';
import { AgiRequestParser } from './agi-request-parser.js';
import { AgiSession } from './agi-session.js';

const FIXTURE = join(import.meta.dirname, '../../../test/fixtures/asterisk-22/agi-routed-direct.agi.jsonl');
const records = loadAgiFixture(FIXTURE);
const headerRecords = records.filter((r) => r.dir === 'asterisk' && r.data.startsWith('agi_'));

/** A server's view: bytes from Asterisk go through the parser into the session; writes are recorded. */
function wire(maxPending?: number) {
  const written: string[] = [];
  let request: AgiRequest | undefined;
  const session = new AgiSession({ write: (l) => void written.push(l), maxPending });
  const parser = new AgiRequestParser((e) => {
    if (e.type === 'request') request = e.request;
    session.handle(e);
  });
  const fromAsterisk = (text: string) => parser.push(Buffer.from(text, 'utf8'));
  for (const r of headerRecords) fromAsterisk(r.data);
  return { session, parser, written, fromAsterisk, request: () => request };
}

/** Settles a promise into a comparable value. */
async function outcome(p: Promise<AgiResultReply>) {
  try {
    const reply = await p;
    return { ok: reply.raw };
  } catch (err) {
    const e = err as { code: string; command?: string };
    return { error: e.code, command: e.command };
  }
}

describe('AgiSession replaying the recorded conversation', () => {
  it('pairs each recorded command with its reply and ends with HANGUP', async () => {
    const { session, written, fromAsterisk, request } = wire();
    expect(request()?.query.did).toBe('74951234567');
    const serializers = [
      getVariable('CALLERID(num)'),
      setVariable('CRM_EXTEN', '1003'),
      setVariable('CRM_CONTACT', 'Ivan Petrov (ACME)'),
      verbose('routed by crm', 1),
      noop('done'),
    ];
    const replies: Array<Promise<AgiResultReply>> = [];
    for (const r of records.slice(headerRecords.length)) {
      if (r.dir === 'server') replies.push(session.send(serializers[replies.length]));
      else fromAsterisk(r.data);
    }
    expect(written).toEqual(records.filter((r) => r.dir === 'server').map((r) => r.data));
    const settled = await Promise.all(replies);
    expect(variableValue(settled[0])).toBe('+79161234567');
    expect(settled.map((r) => r.result)).toEqual(['1', '1', '1', '1', '0']);
    expect(session.hungUp).toBe(true);
    expect(session.pendingCount).toBe(0);
  });

  it('pairs pipelined commands in order when the replies arrive in one read', async () => {
    const { session, fromAsterisk } = wire();
    const a = session.send(getVariable('A'));
    const b = session.send(getVariable('B'));
    const c = session.send(getVariable('C'));
    fromAsterisk('200 result=1 (a)\n200 result=0\n200 result=1 (c)\n');
    expect((await Promise.all([a, b, c])).map(variableValue)).toEqual(['a', undefined, 'c']);
  });
});

describe('AgiSession error replies', () => {
  it.each<[string, string, string]>([
    ['510', '510 Invalid or unknown command\n', AgiSessionErrorCode.INVALID_COMMAND],
    [
      '511',
      '511 Command Not Permitted on a dead channel or intercept routine\n',
      AgiSessionErrorCode.DEAD_CHANNEL,
    ],
    [
      '520 usage block',
      '520-Invalid command syntax.  Proper usage follows:\n Usage: SET VARIABLE <variablename> <value>\n520 End of proper usage.\n',
      AgiSessionErrorCode.INVALID_SYNTAX,
    ],
    ['503', '503 result=-2 Memory allocation failure\n', AgiSessionErrorCode.COMMAND_FAILED],
  ])('%s rejects that command only; the next one still pairs', async (_name, reply, code) => {
    const { session, fromAsterisk } = wire();
    const bad = session.send(command('SET VARIABLE', 'X'));
    const next = session.send(noop());
    fromAsterisk(reply + '200 result=0\n');
    expect(await outcome(bad)).toEqual({ error: code, command: 'SET VARIABLE X' });
    expect(await outcome(next)).toEqual({ ok: '200 result=0' });
  });

  it('carries the 520 usage text on the error', async () => {
    const { session, fromAsterisk } = wire();
    const p = session.send(command('SET VARIABLE', 'X'));
    fromAsterisk(
      '520-Invalid command syntax.  Proper usage follows:\n Usage: SET VARIABLE <n> <v>\n520 End of proper usage.\n',
    );
    await expect(p).rejects.toMatchObject({
      code: AgiSessionErrorCode.INVALID_SYNTAX,
      reply: { kind: 'usage', usage: [' Usage: SET VARIABLE <n> <v>'] },
    });
  });

  it('GOSUB: "100 Trying..." does not answer the command, the 200 after it does', async () => {
    const { session, fromAsterisk } = wire();
    const p = session.send(command('GOSUB', 'crm-sub', 's', 1));
    fromAsterisk('100 result=0 Trying...\n');
    expect(session.pendingCount).toBe(1);
    fromAsterisk('200 result=0 Gosub complete\n');
    expect(await outcome(p)).toEqual({ ok: '200 result=0 Gosub complete' });
  });
});

describe('AgiSession and hangup', () => {
  it('rejects the waiting commands on HANGUP and skips their late dead-mode replies', async () => {
    const { session, fromAsterisk } = wire();
    const a = session.send(getVariable('CRM_EXTEN'));
    const b = session.send(command('STREAM FILE', 'hello-world', ''));
    fromAsterisk('HANGUP\n');
    expect(await outcome(a)).toEqual({
      error: AgiSessionErrorCode.HANGUP,
      command: 'GET VARIABLE CRM_EXTEN',
    });
    expect(await outcome(b)).toEqual({
      error: AgiSessionErrorCode.HANGUP,
      command: 'STREAM FILE hello-world ""',
    });
    expect(session.hungUp).toBe(true);
    // Asterisk goes on in dead mode: it still answers a and b, then the command sent after HANGUP
    const c = session.send(getVariable('CDR(billsec)'));
    fromAsterisk('200 result=1 (1003)\n511 Command Not Permitted on a dead channel or intercept routine\n');
    expect(session.pendingCount).toBe(1);
    fromAsterisk('200 result=1 (42)\n');
    expect(variableValue(await c)).toBe('42');
  });

  it('a command that cannot run on a dead channel is rejected with DEAD_CHANNEL after HANGUP', async () => {
    const { session, fromAsterisk } = wire();
    fromAsterisk('HANGUP\n');
    const p = session.send(command('STREAM FILE', 'hello-world', ''));
    fromAsterisk('511 Command Not Permitted on a dead channel or intercept routine\n');
    await expect(p).rejects.toMatchObject({ code: AgiSessionErrorCode.DEAD_CHANNEL, reply: { code: 511 } });
  });

  it('the second HANGUP (AGI ended) changes nothing', async () => {
    const { session, fromAsterisk } = wire();
    fromAsterisk('HANGUP\nHANGUP\n');
    expect(session.hungUp).toBe(true);
    const p = session.send(noop());
    fromAsterisk('200 result=0\n');
    expect(await outcome(p)).toEqual({ ok: '200 result=0' });
  });
});

describe('AgiSession bounds and closing', () => {
  it('refuses more than maxPending commands in flight, without writing them', async () => {
    const { session, written } = wire(2);
    void session.send(noop('1')).catch(() => undefined);
    void session.send(noop('2')).catch(() => undefined);
    expect(await outcome(session.send(noop('3')))).toEqual({
      error: AgiSessionErrorCode.TOO_MANY_PENDING,
      command: 'NOOP 3',
    });
    expect(written).toEqual(['NOOP 1\n', 'NOOP 2\n']);
  });

  it('close() rejects the waiting commands and every later send, which is not written', async () => {
    const { session, written } = wire();
    const p = session.send(noop());
    session.close();
    expect(await outcome(p)).toEqual({ error: AgiSessionErrorCode.CLOSED, command: 'NOOP' });
    await expect(session.send(noop('late'))).rejects.toMatchObject({ code: AgiSessionErrorCode.CLOSED });
    expect(written).toEqual(['NOOP\n']);
  });

  it('a reply with nothing waiting closes the session (out of step)', async () => {
    const { session, fromAsterisk } = wire();
    fromAsterisk('200 result=1\n');
    expect(session.closed).toBe(true);
    await expect(session.send(noop())).rejects.toMatchObject({ code: AgiSessionErrorCode.UNEXPECTED_REPLY });
  });

  it('a protocol error from the parser closes the session with the error as cause', async () => {
    const { session, fromAsterisk } = wire();
    const p = session.send(noop());
    fromAsterisk('garbage\n');
    await expect(p).rejects.toMatchObject({
      code: AgiSessionErrorCode.CLOSED,
      cause: { code: AgiProtocolErrorCode.INVALID_REPLY },
    });
  });

  it('a failing write rejects that command and leaves nothing pending', async () => {
    const session = new AgiSession({
      write: () => {
        throw new Error('EPIPE');
      },
    });
    await expect(session.send(noop())).rejects.toMatchObject({ code: AgiSessionErrorCode.CLOSED });
    expect(session.pendingCount).toBe(0);
  });

  it('refuses a line that is not exactly one LF-terminated command', async () => {
    const { session, written } = wire();
    await expect(session.send('NOOP\nHANGUP\n')).rejects.toMatchObject({
      code: AgiCommandErrorCode.INVALID_ARGUMENT,
    });
    await expect(session.send('NOOP')).rejects.toMatchObject({ code: AgiCommandErrorCode.INVALID_ARGUMENT });
    expect(written).toEqual([]);
  });
});
