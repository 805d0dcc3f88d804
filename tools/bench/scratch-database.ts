import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A fresh database on the PostgreSQL server of `serverUrl` (any database of it), for one benchmark
 * run; `drop()` removes it. The benchmarks leave the server's other databases alone.
 */
export async function scratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sb_bench_${randomBytes(4).toString('hex')}`;
  const at = (db: string) => Object.assign(new URL(serverUrl), { pathname: `/${db}` }).toString();
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: at('postgres') });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return { url: at(name), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** DATABASE_URL's server when set (a scratch database on it), else nothing: the app starts the embedded one. */
export async function scratchDatabaseFromEnv(): Promise<{ url?: string; drop(): Promise<void> }> {
  const server = process.env.DATABASE_URL;
  return server ? scratchDatabase(server) : { url: undefined, drop: async () => undefined };
}
