import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/roles.decorator.js';
import { HealthService } from './health.service.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Service health: ok, degraded (200) or down (503), with each component' })
  async get(@Res({ passthrough: true }) res: Response) {
    const report = await this.health.report();
    res.status(report.status === 'down' ? 503 : 200);
    return report;
  }
}
