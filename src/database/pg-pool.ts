import type pg from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The pg pool under TypeORM's PostgreSQL driver, for the few hot statements that run as plain
 * (often named, prepared) pg queries: TypeORM's query runner costs more CPU than such a query.
 */
export function pgPool(ds: DataSource): pg.Pool {
  return (ds.driver as unknown as { master: pg.Pool }).master;
}
