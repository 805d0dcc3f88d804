import { ApiKeyVerdicts, KNOWN_KEY_GRACE_MS } from './api-key-verdicts.js';
import type { Principal } from './principal.js';

const SERVICE: Principal = { kind: 'api-key', role: 'service', keyId: 'k1' };
const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
const never = () => new Promise<Principal | null>(() => undefined);

describe('ApiKeyVerdicts (API keys while the database is down)', () => {
  let clock: number;
  let verdicts: ApiKeyVerdicts;
  beforeEach(() => {
    clock = 1_000_000;
    verdicts = new ApiKeyVerdicts(() => clock, { knownKeyMs: 20, unknownKeyMs: 40 });
  });

  it("passes on the database's answer while it answers", async () => {
    await expect(verdicts.verify('h1', () => Promise.resolve(SERVICE))).resolves.toEqual({
      kind: 'found',
      principal: SERVICE,
    });
    await expect(verdicts.verify('h2', () => Promise.resolve(null))).resolves.toEqual({ kind: 'unknown' });
  });

  it('trusts a key the database confirmed lately when the database fails or is late', async () => {
    await verdicts.verify('h1', () => Promise.resolve(SERVICE));
    clock += KNOWN_KEY_GRACE_MS - 1;
    await expect(verdicts.verify('h1', down)).resolves.toEqual({ kind: 'found', principal: SERVICE });
    await expect(verdicts.verify('h1', never)).resolves.toEqual({ kind: 'found', principal: SERVICE });
  });

  it('refuses as unavailable a key never confirmed, or confirmed too long ago', async () => {
    await expect(verdicts.verify('h2', down)).resolves.toMatchObject({
      kind: 'unavailable',
      reason: 'connect ECONNREFUSED',
    });
    await expect(verdicts.verify('h2', never)).resolves.toEqual({
      kind: 'unavailable',
      reason: 'the database did not answer in time',
    });
    await verdicts.verify('h1', () => Promise.resolve(SERVICE));
    clock += KNOWN_KEY_GRACE_MS;
    await expect(verdicts.verify('h1', down)).resolves.toMatchObject({ kind: 'unavailable' });
  });

  it('forgets a key the database no longer knows (revoked on another instance)', async () => {
    await verdicts.verify('h1', () => Promise.resolve(SERVICE));
    await expect(verdicts.verify('h1', () => Promise.resolve(null))).resolves.toEqual({ kind: 'unknown' });
    await expect(verdicts.verify('h1', down)).resolves.toMatchObject({ kind: 'unavailable' });
  });

  it('learns from an answer that came after the wait', async () => {
    await verdicts.verify('h1', () => Promise.resolve(SERVICE));
    let answer!: (p: Principal | null) => void;
    const slow = () => new Promise<Principal | null>((r) => (answer = r));
    await expect(verdicts.verify('h1', slow)).resolves.toMatchObject({ kind: 'found' }); // from memory
    answer(null); // the database said "revoked" late: the next outage does not trust the key
    await new Promise((r) => setImmediate(r));
    await expect(verdicts.verify('h1', down)).resolves.toMatchObject({ kind: 'unavailable' });
  });

  it('forgets the keys of an id revoked here', async () => {
    await verdicts.verify('h1', () => Promise.resolve(SERVICE));
    verdicts.forgetKeyId('k1');
    await expect(verdicts.verify('h1', down)).resolves.toMatchObject({ kind: 'unavailable' });
  });
});
