import type { AmiMessage } from './ami-message.js';
import { AmiParser } from './ami-parser.js';
import { AmiProtocolError, AmiProtocolErrorCode } from './ami-protocol-error.js';
import { type AmiFields, redactForLog, serializeAction } from './ami-serializer.js';

/** What an AMI server would read from the serialized text. */
function readBack(text: string): AmiMessage[] {
  const out: AmiMessage[] = [];
  const parser = new AmiParser((m) => out.push(m), { expectBanner: false });
  parser.push(Buffer.from(text, 'utf8'));
  return out;
}

describe('serializeAction', () => {
  it('writes Action, ActionID, then the fields, and ends with a blank line', () => {
    expect(
      serializeAction(
        'QueuePause',
        { Queue: 'support', Interface: 'Local/1001@phones/n', Paused: true },
        'qp-1',
      ),
    ).toBe(
      'Action: QueuePause\r\nActionID: qp-1\r\nQueue: support\r\nInterface: Local/1001@phones/n\r\nPaused: true\r\n\r\n',
    );
  });

  it('turns arrays into repeated keys and skips undefined values', () => {
    expect(
      serializeAction('Originate', {
        Channel: 'Local/1001@phones',
        Timeout: 30000,
        Variable: ['A=1', 'B=x=y'],
        Account: undefined,
      }),
    ).toBe(
      'Action: Originate\r\nChannel: Local/1001@phones\r\nTimeout: 30000\r\nVariable: A=1\r\nVariable: B=x=y\r\n\r\n',
    );
  });

  it('writes only the blank line after Action when there are no fields', () => {
    expect(serializeAction('Ping', undefined, 'p-1')).toBe('Action: Ping\r\nActionID: p-1\r\n\r\n');
  });

  const injections: Array<[string, string, AmiFields, string | undefined]> = [
    ['CR LF in a value', 'Originate', { CallerID: 'Ivan\r\nAction: Hangup\r\nChannel: all' }, 'o-1'],
    [
      'a blank line in a value (second action)',
      'Setvar',
      { Value: 'x\r\n\r\nAction: Command\r\nCommand: core stop now' },
      's-1',
    ],
    ['bare LF and bare CR', 'Setvar', { Value: 'a\nEvent: Fake\rb' }, 's-2'],
    ['NUL in a value', 'Setvar', { Value: 'a\0b' }, 's-3'],
    ['line breaks in array items', 'Originate', { Variable: ['A=1\r\nAction: Logoff', 'B=2'] }, 'o-2'],
    ['line breaks and a colon in a key', 'Setvar', { 'Evil\r\nAction: Logoff\r\nX': 'v' }, 's-4'],
    ['line breaks in the ActionID', 'Ping', {}, 'p\r\nAction: Logoff'],
    ['line breaks in the action name', 'Ping\r\nAction: Logoff', {}, 'p-2'],
  ];

  it.each(injections)('%s cannot add a header or an action', (_name, action, fields, actionId) => {
    const text = serializeAction(action, fields, actionId);
    // Only the terminator of each line and the final blank line remain.
    expect(text.endsWith('\r\n\r\n')).toBe(true);
    expect(text.slice(0, -2)).not.toMatch(/\r\n\r\n/);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n\0]/);
    const frames = readBack(text);
    expect(frames).toHaveLength(1);
    expect(frames[0].headers['action']).toBe(action.replace(/[\r\n]/g, ''));
    const lines = text.split('\r\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1 + (actionId === undefined ? 0 : 1) + Object.values(fields).flat().length);
  });

  it('strips the colon from keys so the key cannot shift the value', () => {
    expect(serializeAction('Setvar', { 'Variable: X': 'y' })).toBe('Action: Setvar\r\nVariable X: y\r\n\r\n');
  });

  it.each(['', ' ', ':', '\r\n', 'Action', 'actionid', ' ActionID '])('refuses the key %j', (key) => {
    let thrown: unknown;
    try {
      serializeAction('Ping', { [key]: 'x' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AmiProtocolError);
    expect((thrown as AmiProtocolError).code).toBe(AmiProtocolErrorCode.INVALID_KEY);
  });
});

describe('redactForLog', () => {
  it('hides Secret in raw text, CR LF or LF, and keeps everything else', () => {
    const text = serializeAction('Login', { Username: 'crm', Secret: 'hunter2' }, 'login-1');
    expect(redactForLog(text)).toBe(
      'Action: Login\r\nActionID: login-1\r\nUsername: crm\r\nSecret: ***\r\n\r\n',
    );
    expect(redactForLog('action: login\nsecret:hunter2\n\n')).toBe('action: login\nsecret: ***\n\n');
    expect(redactForLog(text)).not.toContain('hunter2');
  });

  it('hides Key of a challenge Login, but not Key of other actions in the same text', () => {
    const text =
      serializeAction('Login', { AuthType: 'MD5', Username: 'crm', Key: '0123abcd' }, 'l-2') +
      serializeAction('DBGet', { Family: 'cidname', Key: '1001' }, 'db-1');
    const out = redactForLog(text);
    expect(out).not.toContain('0123abcd');
    expect(out).toContain('Key: ***\r\n');
    expect(out).toContain('Family: cidname\r\nKey: 1001\r\n');
  });

  it('hides Secret and login Key in serializeAction fields without touching the original', () => {
    const fields = { Username: 'crm', Secret: 'hunter2' };
    expect(redactForLog(fields)).toEqual({ Username: 'crm', Secret: '***' });
    expect(fields.Secret).toBe('hunter2');
    expect(redactForLog({ AuthType: 'MD5', Key: 'abc' }, 'Login')).toEqual({ AuthType: 'MD5', Key: '***' });
    expect(redactForLog({ Family: 'f', Key: 'abc' }, 'DBGet')).toEqual({ Family: 'f', Key: 'abc' });
  });

  it('hides Secret in a parsed action (server side)', () => {
    const [msg] = readBack('Action: Login\r\nUsername: crm\r\nSecret: hunter2\r\n\r\n');
    const red = redactForLog(msg);
    expect(red.type).toBe('action');
    expect({ ...red.headers }).toEqual({ action: 'Login', username: 'crm', secret: '***' });
    expect(msg.headers['secret']).toBe('hunter2');
  });
});
