import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry for the process; modules create their metrics through it. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpRequests: Histogram<'method' | 'route' | 'status'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = this.histogram({
      name: 'switchboard_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
  }

  counter<L extends string>(cfg: { name: string; help: string; labelNames?: readonly L[] }): Counter<L> {
    return new Counter<L>({ ...cfg, registers: [this.registry] });
  }

  /** `collect`, when given, sets the value at each scrape (for a figure read off another object). */
  gauge<L extends string>(cfg: {
    name: string;
    help: string;
    labelNames?: readonly L[];
    collect?: (this: Gauge<L>) => void;
  }): Gauge<L> {
    return new Gauge<L>({ ...cfg, registers: [this.registry] });
  }

  histogram<L extends string>(cfg: {
    name: string;
    help: string;
    labelNames?: readonly L[];
    buckets?: number[];
  }): Histogram<L> {
    return new Histogram<L>({ ...cfg, registers: [this.registry] });
  }
}
