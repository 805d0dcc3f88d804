import { QueryFailedError } from 'typeorm';

/** The unique index a write violated (Postgres 23505), or undefined for any other error. */
export function violatedUnique(e: unknown): string | undefined {
  if (!(e instanceof QueryFailedError)) return undefined;
  const err = e.driverError as { code?: string; constraint?: string };
  return err?.code === '23505' ? (err.constraint ?? '') : undefined;
}
