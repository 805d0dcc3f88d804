import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('operations')
@ApiSecurity('api-key')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus scrapes with an API key (`authorization: Bearer sbk_...` in its scrape config). */
  @Get()
  @Roles('admin', 'service')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics' })
  async get(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
