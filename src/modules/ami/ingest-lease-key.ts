import { createHash } from 'node:crypto';

/**
 * The advisory-lock key of a PBX's ingest lease: the first 8 bytes of SHA-256 over a namespaced
 * PBX id, as a signed 64-bit integer (`pg_try_advisory_lock(bigint)`). The namespace keeps our
 * keys apart from any other advisory locks in the database.
 */
export function ingestLeaseKey(pbxId: string): bigint {
  const digest = createHash('sha256').update(`switchboard:ami-ingest:${pbxId}`).digest();
  return digest.readBigInt64BE(0);
}

/**
 * How pg_locks shows a one-bigint advisory lock: `classid` = high 32 bits, `objid` = low 32 bits
 * (both as unsigned oids), `objsubid` = 1.
 */
export function pgLocksIds(key: bigint): { classid: number; objid: number } {
  const unsigned = BigInt.asUintN(64, key);
  return { classid: Number(unsigned >> 32n), objid: Number(unsigned & 0xffffffffn) };
}

/**
 * The application_name of a lease connection: `switchboard-ingest/<region>/<instance>`, so that
 * every instance can tell who holds a lease (pg_stat_activity) and whether an instance of a
 * PBX's own region is around. Postgres keeps 63 bytes of it.
 */
export function leaseApplicationName(instance: string, region: string | null): string {
  const clean = (s: string) => s.replace(/[^\w.:-]/g, '_');
  return `${LEASE_APP_PREFIX}${clean(region ?? '')}/${clean(instance)}`.slice(0, 63);
}

export const LEASE_APP_PREFIX = 'switchboard-ingest/';

export function parseLeaseApplicationName(
  name: string | null | undefined,
): { region: string | null; instance: string } | null {
  if (!name?.startsWith(LEASE_APP_PREFIX)) return null;
  const rest = name.slice(LEASE_APP_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return null;
  const region = rest.slice(0, slash);
  return { region: region.length > 0 ? region : null, instance: rest.slice(slash + 1) };
}
