import { interfaceKey, normaliseDid } from './did.util.js';

describe('normaliseDid', () => {
  it.each([
    ['74951234567', '74951234567'],
    ['+7 (495) 123-45-67', '74951234567'],
    ['+7.495.123.45.67', '74951234567'],
    [' 84951234567 ', '84951234567'],
    ['100', '100'],
  ])('%j -> %j', (raw, digits) => {
    expect(normaliseDid(raw)).toBe(digits);
  });

  it.each(['', '+', '12', 'sales', '7495abc4567', '+7 495 123 45 67 89 01 23 45 67', '7+495'])(
    'refuses %j',
    (raw) => {
      expect(normaliseDid(raw)).toBeUndefined();
    },
  );
});

describe('interfaceKey', () => {
  it('matches interfaces the way Asterisk does, ignoring case', () => {
    expect(interfaceKey('Local/1001@phones/n')).toBe(interfaceKey('local/1001@PHONES/n'));
    expect(interfaceKey('PJSIP/1001')).not.toBe(interfaceKey('PJSIP/1002'));
  });
});
