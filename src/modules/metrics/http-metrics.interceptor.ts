import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { MetricsService } from './metrics.service.js';

/** Times every HTTP request by its route pattern (never the raw URL: ids would explode the labels). */
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<Request>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const end = this.metrics.httpRequests.startTimer({ method: req.method });
    // On 'finish' the status is final, also when the exception filter wrote the answer.
    res.once('finish', () =>
      end({
        route: (req.route as { path?: string } | undefined)?.path ?? 'unknown',
        status: String(res.statusCode),
      }),
    );
    return next.handle();
  }
}
