import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A secret from settings, or one generated on first start and kept (mode 0600) in the data
 * directory, so a newcomer's `npm start` works without configuring anything. The value is
 * never logged; the caller logs the file path.
 */
export function settingOrGeneratedSecret(
  fromSettings: string | undefined,
  file: string,
  prefix = '',
): { value: string; generatedFile?: string } {
  if (fromSettings) return { value: fromSettings };
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), generatedFile: file };
  mkdirSync(dirname(file), { recursive: true });
  const value = prefix + randomBytes(32).toString('base64url');
  writeFileSync(file, value + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { value, generatedFile: file };
}
