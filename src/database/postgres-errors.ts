import { QueryFailedError } from 'typeorm';

/** A unique constraint refused the write (SQLSTATE 23505): the caller answers 409. */
export function isUniqueViolation(e: unknown): boolean {
  return e instanceof QueryFailedError && (e.driverError as { code?: string })?.code === '23505';
}
