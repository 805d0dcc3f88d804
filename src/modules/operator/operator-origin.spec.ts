import { originAllowed } from './operator-origin.js';

describe('originAllowed', () => {
  const cases: [string | undefined, string | undefined, string[], boolean][] = [
    [undefined, 'sb.example:3000', [], true], // a program, not a page
    ['http://sb.example:3000', 'sb.example:3000', [], true], // the console itself
    ['http://SB.example:3000', 'sb.example:3000', [], true],
    ['http://evil.example', 'sb.example:3000', [], false],
    ['http://sb.example:3001', 'sb.example:3000', [], false],
    ['https://crm.example.com', 'sb.example:3000', ['https://crm.example.com'], true],
    ['https://crm.example.com:8443', 'sb.example:3000', ['https://crm.example.com'], false],
    ['null', 'sb.example:3000', ['https://crm.example.com'], false],
    ['file://x', 'x', [], false],
  ];
  it.each(cases)('Origin %s, Host %s, allowed %j -> %s', (origin, host, allowed, expected) => {
    expect(originAllowed(origin, host, allowed)).toBe(expected);
  });
});
