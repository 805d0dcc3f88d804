import { type CountryCode, lastDigits, normalizePhone, PhoneNormalizer } from './phone-normalizer.js';

describe('normalizePhone', () => {
  it.each<[CountryCode, string, string | undefined, string]>([
    // RU: the formats in the Asterisk recordings and what operators type
    ['RU', '89031112233', '+79031112233', '79031112233'], // national, trunk prefix 8
    ['RU', '+7 903 111-22-33', '+79031112233', '79031112233'],
    ['RU', '8 (903) 111-22-33', '+79031112233', '79031112233'],
    ['RU', ' +7 903 111 22 33 ', '+79031112233', '79031112233'],
    ['RU', '74951234567', '+74951234567', '74951234567'], // DID: country code without +
    ['RU', '74957770000', '+74957770000', '74957770000'],
    ['RU', '8 (495) 111-22-33', '+74951112233', '74951112233'],
    ['RU', '84951112233', '+74951112233', '74951112233'], // click-to-call dial string
    ['RU', '9161234567', '+79161234567', '79161234567'], // ten digits, no prefix
    ['RU', '+79160000000', '+79160000000', '79160000000'],
    ['RU', '+7 903 111-22-33 доб. 5', '+79031112233', '79031112233'], // extension dropped
    ['RU', '"Ivan Petrov" <+79161234567>', '+79161234567', '79161234567'], // AMI CallerID form
    ['RU', '810 49 30 1234567', '+49301234567', '49301234567'], // RU international prefix
    ['RU', '+1 212 555 0123', '+12125550123', '12125550123'],
    ['RU', '+70001234567', '+70001234567', '70001234567'], // possible length, unallocated range: accepted
    ['RU', '+73001234567', '+73001234567', '73001234567'], // isValid() under `max` metadata would refuse it
    ['RU', '<unknown>', undefined, ''],
    ['RU', 'anonymous', undefined, ''],
    ['RU', 'unknown', undefined, ''],
    ['RU', '', undefined, ''],
    ['RU', '1001', undefined, '1001'], // internal extension, not +71001
    ['RU', '112', undefined, '112'],
    ['RU', '+7495123', undefined, '7495123'], // too short even with +
    ['RU', '790311122334', undefined, '790311122334'], // one digit too many
    ['RU', '12345678901234567', undefined, '12345678901234567'],
    // US
    ['US', '(212) 555-0123', '+12125550123', '12125550123'],
    ['US', '1 212 555 0123', '+12125550123', '12125550123'], // trunk prefix 1
    ['US', '212.555.0123', '+12125550123', '12125550123'],
    ['US', '011 7 903 111 22 33', '+79031112233', '79031112233'], // US international prefix
    ['US', '+79031112233', '+79031112233', '79031112233'],
    ['US', '74951234567', undefined, '74951234567'], // a Russian DID means nothing under US
    ['US', '5550123', undefined, '5550123'], // local number without area code
    ['US', '1001', undefined, '1001'],
    // DE
    ['DE', '030 1234567', '+49301234567', '49301234567'], // trunk prefix 0
    ['DE', '0049 30 1234567', '+49301234567', '49301234567'],
    ['DE', '+49 (0)30 1234567', '+49301234567', '49301234567'],
    ['DE', '0151 23456789', '+4915123456789', '4915123456789'],
    ['DE', '00 7 903 111 22 33', '+79031112233', '79031112233'],
    ['DE', '89031112233', '+4989031112233', '4989031112233'], // the RU national form is a Munich number here
    ['DE', '123456', undefined, '123456'], // an extension, although +49123456 would be "possible"
    ['DE', 'anonymous', undefined, ''],
  ])('%s %j -> %s', (country, raw, e164, digits) => {
    const n = normalizePhone(raw, country);
    expect(n).toEqual({ raw, digits, ...(e164 === undefined ? {} : { e164 }) });
    expect('e164' in n).toBe(e164 !== undefined);
  });

  it('gives one E.164 for every way of writing the same Russian number', () => {
    const forms = [
      '89031112233',
      '+7 903 111-22-33',
      '8 (903) 111-22-33',
      '79031112233',
      '9031112233',
      '+79031112233',
    ];
    expect(new Set(forms.map((f) => normalizePhone(f, 'RU').e164))).toEqual(new Set(['+79031112233']));
  });

  it('returns frozen results (a cached result cannot be changed by one caller for the next)', () => {
    const n = normalizePhone('89031112233', 'RU');
    expect(Object.isFrozen(n)).toBe(true);
    expect(() => {
      (n as { digits: string }).digits = '0';
    }).toThrow(TypeError);
    expect(normalizePhone('89031112233', 'RU').digits).toBe('79031112233');
  });

  it('keys the memo by default country', () => {
    expect(normalizePhone('89031112233', 'RU').e164).toBe('+79031112233');
    expect(normalizePhone('89031112233', 'DE').e164).toBe('+4989031112233');
  });
});

describe('PhoneNormalizer memo', () => {
  it('stays within its bound and keeps answering correctly', () => {
    const normalizer = new PhoneNormalizer(3);
    for (let i = 0; i < 10; i++) {
      expect(normalizer.normalize(`+7916000000${i}`, 'RU').e164).toBe(`+7916000000${i}`);
    }
    expect(normalizer.cacheSize).toBe(3);
    expect(normalizer.normalize('+79160000000', 'RU').e164).toBe('+79160000000'); // evicted, parsed again
  });

  it('does not cache input longer than a phone number, and still parses it', () => {
    const normalizer = new PhoneNormalizer();
    const long = `+7 903 111-22-33 ${'x'.repeat(100)}`;
    expect(normalizer.normalize(long, 'RU').e164).toBe('+79031112233');
    expect(normalizer.cacheSize).toBe(0);
    normalizer.normalize('+7 903 111-22-33', 'RU');
    expect(normalizer.cacheSize).toBe(1);
  });
});

describe('lastDigits', () => {
  it.each<[string, number, string]>([
    ['79031112233', 10, '9031112233'],
    ['89031112233', 10, '9031112233'], // national and E.164 forms meet on the last 10
    ['1001', 10, '1001'],
    ['79031112233', 4, '2233'],
    ['', 4, ''],
    ['79031112233', 0, ''],
    ['+7 (903) 111-22-33', 7, '1112233'],
  ])('lastDigits(%j, %d) = %j', (digits, n, expected) => {
    expect(lastDigits(digits, n)).toBe(expected);
  });

  it.each([-1, 1.5, NaN])('refuses n = %d', (n) => {
    expect(() => lastDigits('123', n)).toThrow(RangeError);
  });
});
