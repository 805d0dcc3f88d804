import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HealthService } from './health.service.js';

/** The database entry of /health: a `SELECT 1` round trip and the pool's state; `degraded` overall when it fails. */
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
      // Not critical: without PostgreSQL calls are still followed, CommEvents wait in memory and the
      // journal, FastAGI answers fail open, popups flow: the service is degraded, not down (503 would
      // make a load balancer drop operators' sockets and Asterisk's AGI for no gain).
      { critical: false },
    );
  }
}
