import { join } from 'node:path';

import { AgiCommandErrorCode } from './agi.exception.js';
import {
  AGI_MAX_COMMAND_BYTES,
  command,
  exec,
  getFullVariable,
  getVariable,
  hangup,
  noop,
  parseCommandLine,
  quote,
  setVariable,
  verbose,
} from './agi-command.js';
import { fixtureChunks, loadAgiFixture } from './agi-fixture.js';

const FIXTURE = join(import.meta.dirname, '../../../test/fixtures/asterisk-22/agi-routed-direct.agi.jsonl');

describe('AGI command serializers', () => {
  it('reproduce the commands of the recorded conversation byte for byte', () => {
    const recorded = fixtureChunks(loadAgiFixture(FIXTURE), 'server').map((b) => b.toString('utf8'));
    expect([
      getVariable('CALLERID(num)'),
      setVariable('CRM_EXTEN', '1003'),
      setVariable('CRM_CONTACT', 'Ivan Petrov (ACME)'),
      verbose('routed by crm', 1),
      noop('done'),
    ]).toEqual(recorded);
  });

  it.each<[string, string, string]>([
    ['verbose default level', verbose('hello'), 'VERBOSE "hello" 1\n'],
    ['verbose level 4', verbose('a "b"', 4), 'VERBOSE "a \\"b\\"" 4\n'],
    ['noop without text', noop(), 'NOOP\n'],
    ['noop with spaces is quoted', noop('two words'), 'NOOP "two words"\n'],
    ['hangup this channel', hangup(), 'HANGUP\n'],
    ['hangup another channel', hangup('PJSIP/1001-00000001'), 'HANGUP PJSIP/1001-00000001\n'],
    ['exec without options', exec('Answer'), 'EXEC Answer\n'],
    [
      'exec with options joined by commas',
      exec('Dial', ['PJSIP/1003', '30', 'tT']),
      'EXEC Dial "PJSIP/1003,30,tT"\n',
    ],
    ['exec with one option string', exec('Playback', 'hello-world'), 'EXEC Playback "hello-world"\n'],
    ['get full variable', getFullVariable('${CALLERID(num)}'), 'GET FULL VARIABLE "${CALLERID(num)}"\n'],
    ['empty value is ""', setVariable('CRM_CONTACT', ''), 'SET VARIABLE CRM_CONTACT ""\n'],
    [
      'generic command, bare and quoted words',
      command('DATABASE PUT', 'crm', 'contact/74951234567', 'Ivan Petrov'),
      'DATABASE PUT crm contact/74951234567 "Ivan Petrov"\n',
    ],
    ['generic command with numbers and an empty word', command('SAY NUMBER', 42, ''), 'SAY NUMBER 42 ""\n'],
    ['quote() alone', quote('a\\b"c'), '"a\\\\b\\"c"'],
  ])('%s', (_name, got, expected) => {
    expect(got).toBe(expected);
  });

  it.each<[string, () => string, AgiCommandErrorCode]>([
    ['a variable name with a space', () => getVariable('CRM EXTEN'), AgiCommandErrorCode.INVALID_NAME],
    ['an empty variable name', () => setVariable('', 'x'), AgiCommandErrorCode.INVALID_NAME],
    ['a variable name with a quote', () => setVariable('X"Y', 'x'), AgiCommandErrorCode.INVALID_NAME],
    ['a variable name with LF', () => getVariable('X\nEXEC System'), AgiCommandErrorCode.INVALID_NAME],
    ['an application name with a space', () => exec('Dial PJSIP/1', 'x'), AgiCommandErrorCode.INVALID_NAME],
    ['a command name with LF', () => command('GET\nVARIABLE', 'X'), AgiCommandErrorCode.INVALID_NAME],
    ['verbose level 5', () => verbose('x', 5), AgiCommandErrorCode.INVALID_ARGUMENT],
    ['a fractional number', () => command('WAIT FOR DIGIT', 1.5), AgiCommandErrorCode.INVALID_ARGUMENT],
    ['NaN', () => command('WAIT FOR DIGIT', NaN), AgiCommandErrorCode.INVALID_ARGUMENT],
  ])('refuses %s', (_name, build, code) => {
    expect(build).toThrow(expect.objectContaining({ code }));
  });
});

describe('SET VARIABLE quoting: what res_agi parse_args() reads back', () => {
  /** The value Asterisk stores: CR/LF runs become one space, NUL is dropped. */
  const stored = (v: string) => v.replace(/[\r\n]+/g, ' ').replace(/\0/g, '');

  it.each<[string, string, string]>([
    [
      'double quotes in a name',
      'Ivan "Vanya" Petrov',
      'SET VARIABLE CRM_CONTACT "Ivan \\"Vanya\\" Petrov"\n',
    ],
    ['backslashes', 'C:\\crm\\contacts\\', 'SET VARIABLE CRM_CONTACT "C:\\\\crm\\\\contacts\\\\"\n'],
    ['an escaped quote already in the data', 'a\\"b', 'SET VARIABLE CRM_CONTACT "a\\\\\\"b"\n'],
    [
      'CR/LF injection of a second command',
      'Ivan\r\nEXEC System "rm -rf /"\nSET VARIABLE CRM_EXTEN "1001"',
      'SET VARIABLE CRM_CONTACT "Ivan EXEC System \\"rm -rf /\\" SET VARIABLE CRM_EXTEN \\"1001\\""\n',
    ],
    ['a lone CR', 'a\rb', 'SET VARIABLE CRM_CONTACT "a b"\n'],
    ['NUL', 'a\0b', 'SET VARIABLE CRM_CONTACT "ab"\n'],
    ['Cyrillic', 'Иван «Ваня» Петров', 'SET VARIABLE CRM_CONTACT "Иван «Ваня» Петров"\n'],
    [
      'spaces and tabs kept',
      '  two  spaces\tand tab ',
      'SET VARIABLE CRM_CONTACT "  two  spaces\tand tab "\n',
    ],
    ['dialplan-looking text', '${SHELL(id)} $[1+1]', 'SET VARIABLE CRM_CONTACT "${SHELL(id)} $[1+1]"\n'],
  ])('%s', (_name, value, expectedLine) => {
    const line = setVariable('CRM_CONTACT', value);
    expect(line).toBe(expectedLine);
    expect(line.indexOf('\n')).toBe(line.length - 1); // exactly one command
    expect(parseCommandLine(line)).toEqual(['SET', 'VARIABLE', 'CRM_CONTACT', stored(value)]);
  });

  it('round-trips 5,000 random values built from the characters that matter', () => {
    const alphabet = ['a', 'Z', ' ', '"', '\\', '\r', '\n', '\t', '\0', 'Ж', '(', ')', '$', '{', '😀'];
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const value = Array.from({ length: rand(40) }, () => alphabet[rand(alphabet.length)]).join('');
      const line = setVariable('V', value);
      const argv = parseCommandLine(line);
      if (line.indexOf('\n') !== line.length - 1 || argv.length !== 4 || argv[3] !== stored(value)) {
        expect({ value, line, argv }).toEqual({ value, line, argv: ['SET', 'VARIABLE', 'V', stored(value)] });
      }
    }
  });

  it('refuses a line res_agi would cut in two (AGI_BUF_LEN), counting UTF-8 bytes', () => {
    const overhead = setVariable('V', '').length; // 'SET VARIABLE V ""\n' (ASCII)
    const fits = 'x'.repeat(AGI_MAX_COMMAND_BYTES - overhead);
    expect(Buffer.byteLength(setVariable('V', fits))).toBe(2047);
    expect(() => setVariable('V', fits + 'x')).toThrow(
      expect.objectContaining({ code: AgiCommandErrorCode.COMMAND_TOO_LONG }),
    );
    // 'Ж' is 2 bytes in UTF-8: the limit is on bytes, not characters
    const n = Math.floor((AGI_MAX_COMMAND_BYTES - overhead) / 2);
    expect(Buffer.byteLength(setVariable('V', 'Ж'.repeat(n) + 'x'))).toBe(2047);
    expect(() => setVariable('V', 'Ж'.repeat(n + 1))).toThrow(
      expect.objectContaining({ code: AgiCommandErrorCode.COMMAND_TOO_LONG }),
    );
  });
});

describe('parseCommandLine (port of res_agi parse_args)', () => {
  it.each<[string, string[]]>([
    ['GET VARIABLE CALLERID(num)\n', ['GET', 'VARIABLE', 'CALLERID(num)']],
    ['A  B\t C', ['A', 'B', 'C']],
    ['A "" B', ['A', '', 'B']],
    ['ab"c d"e', ['abc de']],
    ['x\\ y', ['x y']],
    ['\\q\\\\', ['q\\']],
    ['"unterminated', ['unterminated']],
    ['A B\r\n', ['A', 'B\r']],
    ['A\0B C', ['A']],
    ['', []],
  ])('%j', (line, argv) => {
    expect(parseCommandLine(line)).toEqual(argv);
  });

  it('keeps at most 127 arguments, like MAX_ARGS', () => {
    expect(parseCommandLine(Array.from({ length: 200 }, (_, i) => `a${i}`).join(' '))).toHaveLength(127);
  });
});
