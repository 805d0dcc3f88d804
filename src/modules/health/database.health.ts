import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HealthService } from './health.service.js';

/** The database entry of /health: a `SELECT 1` round trip and the pool's state. */
@Injectable()
export class DatabaseHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.health.register(
      'database',
      async () => {
        const started = performance.now();
        await this.dataSource.query('SELECT 1');
        return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
      },
      { critical: true },
    );
  }
}
