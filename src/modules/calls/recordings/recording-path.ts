import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Where Asterisk writes MixMonitor and queue recordings by default (the stored paths start with it). */
export const ASTERISK_MONITOR_DIR = '/var/spool/asterisk/monitor/';

/** Whether `path` (resolved) is strictly inside `root` (resolved). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * The file under `root` (RECORDINGS_DIR) for a recording path as Asterisk stored it:
 * `/var/spool/asterisk/monitor/<rest>` is `<root>/<rest>`; a relative path is taken under root;
 * an absolute path already under root is kept. Undefined for anything that resolves outside root
 * (`../`, other absolute paths, NUL bytes): such a path is never served. Symlinks are the caller's
 * to check on the real file system.
 */
export function recordingFile(stored: string, root: string): string | undefined {
  if (stored.length === 0 || stored.includes('\0')) return undefined;
  const base = resolve(root);
  let rel: string;
  if (stored.startsWith(ASTERISK_MONITOR_DIR)) rel = stored.slice(ASTERISK_MONITOR_DIR.length);
  else if (isAbsolute(stored)) {
    const abs = resolve(stored);
    if (!isInside(base, abs)) return undefined;
    rel = relative(base, abs);
  } else rel = stored;
  const full = resolve(base, rel);
  return isInside(base, full) ? full : undefined;
}
