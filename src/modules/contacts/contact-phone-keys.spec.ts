import { lookupKeys, reverse, storedPhoneKeys } from './contact-phone-keys.js';

/** What the SQL condition of a lookup accepts, evaluated in JS (byte order, as collation "C"). */
function matches(query: string, stored: string, n = 10): string | undefined {
  const k = lookupKeys(query, 'RU', n);
  const s = storedPhoneKeys(stored, 'RU');
  if (!k) return undefined;
  if (k.e164 !== undefined && s.e164 === k.e164) return 'e164';
  if (s.digits === k.digits) return 'digits';
  if (k.suffixFrom !== undefined && s.digitsReversed >= k.suffixFrom && s.digitsReversed < k.suffixTo!)
    return 'suffix';
  return undefined;
}

describe('contact phone keys', () => {
  it('reverses digit strings', () => {
    expect(reverse('79031112233')).toBe('33221113097');
    expect(reverse('')).toBe('');
  });

  it('stores a national RU number as its E.164 and reversed digits', () => {
    expect(storedPhoneKeys('8 (903) 111-22-33', 'RU')).toEqual({
      e164: '+79031112233',
      digits: '79031112233',
      digitsReversed: '33221113097',
    });
    expect(storedPhoneKeys('доб. 1001', 'RU')).toEqual({
      e164: null,
      digits: '1001',
      digitsReversed: '1001',
    });
  });

  it('builds the reversed last-N range, ending before the next byte', () => {
    expect(lookupKeys('+7 903 111-22-39', 'RU', 10)).toMatchObject({
      e164: '+79031112239',
      suffixFrom: '9322111309',
      suffixTo: '932211130:',
    });
    expect(lookupKeys('anonymous', 'RU', 10)).toBeUndefined();
    expect(lookupKeys('1001', 'RU', 10)).toEqual({ e164: undefined, digits: '1001', digitsReversed: '1001' });
  });

  it.each([
    ['89031112233', '+7 903 111-22-33', 'e164'],
    ['+79031112233', '8 903 111 22 33', 'e164'],
    ['9031112233', '+79031112233', 'e164'],
    ['0079031112233', '+79031112233', 'suffix'], // not parsed under RU, same last 10 digits
    ['+49 89 031112233', '+79031112233', 'suffix'], // another country, same last 10: a suffix match only
    ['1001', '1001', 'digits'],
    ['1001', '+7 903 111-10-01', undefined], // an extension never suffix-matches a full number
    ['+79031112233', '1112233', undefined], // the stored number is shorter than N
    ['+79031112234', '+79031112233', undefined],
    ['anonymous', '+79031112233', undefined],
  ])('%s against stored %s -> %s', (query, stored, kind) => {
    expect(matches(query, stored)).toBe(kind);
  });

  it('follows PHONE_MATCH_DIGITS', () => {
    expect(matches('+79991112233', '+79031112233', 7)).toBe('suffix');
    expect(matches('+79991112233', '+79031112233', 10)).toBeUndefined();
  });
});
