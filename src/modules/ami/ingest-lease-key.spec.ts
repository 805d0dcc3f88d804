import {
  ingestLeaseKey,
  leaseApplicationName,
  parseLeaseApplicationName,
  pgLocksIds,
} from './ingest-lease-key.js';

describe('ingest lease key', () => {
  it('is a stable signed 64-bit key per PBX id, different per PBX', () => {
    const a = ingestLeaseKey('0b6f4a52-7d6e-4a57-9d8e-4f1b0c3a2d11');
    expect(ingestLeaseKey('0b6f4a52-7d6e-4a57-9d8e-4f1b0c3a2d11')).toBe(a);
    expect(ingestLeaseKey('0b6f4a52-7d6e-4a57-9d8e-4f1b0c3a2d12')).not.toBe(a);
    expect(a).toBeGreaterThanOrEqual(-(2n ** 63n));
    expect(a).toBeLessThan(2n ** 63n);
  });

  it('splits into the unsigned classid/objid pair pg_locks shows', () => {
    expect(pgLocksIds(-1n)).toEqual({ classid: 0xffffffff, objid: 0xffffffff });
    expect(pgLocksIds(0x0000000100000002n)).toEqual({ classid: 1, objid: 2 });
    expect(pgLocksIds(-(2n ** 63n))).toEqual({ classid: 0x80000000, objid: 0 });
  });

  it('names lease connections with region and instance, and reads them back', () => {
    expect(leaseApplicationName('host:42', 'eu')).toBe('switchboard-ingest/eu/host:42');
    expect(parseLeaseApplicationName('switchboard-ingest/eu/host:42')).toEqual({
      region: 'eu',
      instance: 'host:42',
    });
    expect(parseLeaseApplicationName(leaseApplicationName('a b/c', null))).toEqual({
      region: null,
      instance: 'a_b_c',
    });
    expect(parseLeaseApplicationName('psql')).toBeNull();
    expect(leaseApplicationName('x'.repeat(100), 'eu').length).toBeLessThanOrEqual(63);
  });
});
