import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, Logger, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Principal } from '../../auth/principal.js';
import { CurrentPrincipal } from '../../auth/roles.decorator.js';
import { parseRange } from '../recordings/http-range.js';
import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import { CommEventDetailDto, CommEventPageDto, CommEventQueryDto } from './comm-event.dto.js';
import { CommEventsService } from './comm-events.service.js';

@ApiTags('comm-events')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Controller('api/v1/comm-events')
export class CommEventsController {
  private readonly logger = new Logger(CommEventsController.name);

  constructor(private readonly commEvents: CommEventsService) {}

  @Get()
  @ApiOperation({
    summary: 'Calls as communication events, newest first, with filters and cursor pagination',
    description:
      'Operators see the calls they took, supervisors also those of the groups they supervise, admins and API keys all.',
  })
  @ApiOkResponse({ type: CommEventPageDto })
  list(@CurrentPrincipal() p: Principal, @Query() q: CommEventQueryDto): Promise<CommEventPageDto> {
    return this.commEvents.list(p, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One CommEvent with its timeline of agent legs' })
  @ApiOkResponse({ type: CommEventDetailDto })
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<CommEventDetailDto> {
    return this.commEvents.get(p, id);
  }

  @Get(':id/recording')
  @ApiOperation({
    summary: 'The call recording, streamed, with HTTP Range support',
    description:
      'The stored path is looked up under RECORDINGS_DIR (the /var/spool/asterisk/monitor/ prefix maps onto it); a path outside it is refused (403).',
  })
  @ApiHeader({
    name: 'Range',
    required: false,
    description: 'One byte range: bytes=0-99, bytes=100-, bytes=-500',
  })
  @ApiProduces('audio/wav', 'audio/mpeg', 'application/octet-stream')
  @ApiResponse({ status: 200, description: 'The whole file' })
  @ApiResponse({ status: 206, description: 'The requested range (Content-Range)' })
  @ApiResponse({ status: 403, description: 'Not your call, or a path outside RECORDINGS_DIR' })
  @ApiResponse({ status: 404, description: 'No recording, or the file is missing' })
  @ApiResponse({ status: 416, description: 'The range starts past the end of the file' })
  async recording(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const file = await this.commEvents.recording(p, id);
    const range = parseRange(req.headers.range, file.size);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Last-Modified', file.modifiedAt.toUTCString());
    if (range.kind === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${file.size}`);
      // The filter answers 416 with the coded error; Content-Range tells the client the size.
      throw new AppError(
        ErrorCode.RANGE_NOT_SATISFIABLE,
        `The range does not overlap the ${file.size}-byte recording`,
      );
    }
    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, file.size - 1];
    res.status(range.kind === 'partial' ? 206 : 200);
    if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${start}-${end}/${file.size}`);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
    res.setHeader('Content-Disposition', `inline; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`);
    if (req.method === 'HEAD' || file.size === 0) {
      res.end();
      return;
    }
    try {
      await pipeline(createReadStream(file.path, { start, end }), res);
    } catch (e) {
      // The client went away mid-file, or the file vanished under us: nothing left to answer.
      this.logger.debug({ id, err: (e as Error).message }, 'Recording stream ended early');
      res.destroy();
    }
  }
}
