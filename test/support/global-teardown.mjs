import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export default async function globalTeardown() {
  const db = globalThis.__embeddedPg;
  if (!db) return;
  await db.stop();
  await rm(dirname(db.dir), { recursive: true, force: true });
}
