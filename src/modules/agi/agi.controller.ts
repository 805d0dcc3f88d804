import { Controller, Get, Header, Inject, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppConfig } from '../../config/app-config.js';
import { Roles } from '../auth/roles.decorator.js';
import { AgiPbxLocator } from './agi-pbx-locator.js';
import { AGI_FAIL_OPEN } from './agi-server.js';
import { ResponsibleAnswerDto, ResponsibleQueryDto } from './agi.dto.js';
import { FailOpenRunner, lookupBudgetMs } from './fail-open.js';
import { ResponsibleRouting } from './responsible-routing.service.js';

/**
 * The FastAGI lookups over HTTP, for dialplans that use `CURL()`; API keys only (admin, service).
 * Fails open like the FastAGI server: a late or failed lookup answers 200 with empty fields.
 */
@ApiTags('agi')
@ApiSecurity('api-key')
@Roles('admin', 'service')
@Controller('api/v1/agi')
export class AgiController {
  constructor(
    private readonly routing: ResponsibleRouting,
    private readonly pbxLocator: AgiPbxLocator,
    @Inject(AGI_FAIL_OPEN) private readonly failOpen: FailOpenRunner,
    private readonly config: AppConfig,
  ) {}

  @Get('responsible')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('application/json', 'text/plain')
  @ApiOperation({
    summary: 'Who owns this caller: the extension to dial (JSON, or the extension alone with format=text)',
  })
  async responsible(
    @Query() q: ResponsibleQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ResponsibleAnswerDto | string> {
    const pbxId = this.pbxLocator.locate(q.pbx, undefined);
    const result = await this.failOpen.run(
      (signal) => this.routing.decide({ number: q.number, did: q.did, pbxId }, signal),
      lookupBudgetMs(this.config.agi.deadlineMs),
    );
    const d = result.kind === 'value' ? result.value : undefined;
    const answer: ResponsibleAnswerDto = {
      exten: d?.exten ?? '',
      interface: d?.dialInterface ?? '',
      contactId: d?.contact?.id ?? '',
      contactName: d?.contact?.displayName ?? '',
      queue: d?.queue ?? '',
      outcome: d?.reason ?? result.kind,
    };
    if (q.format === 'text') {
      res.type('text/plain');
      return answer.exten;
    }
    return answer;
  }
}
