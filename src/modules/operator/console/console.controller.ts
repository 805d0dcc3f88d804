import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '../../../common/errors/app-error.js';
import { Public } from '../../auth/roles.decorator.js';

const FILES: Record<string, string> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** The console's files live in src/ (no build step): found from here under ts-jest (src/) and when built (dist/src/). */
function publicDir(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'src', 'modules', 'operator', 'public');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const sibling = join(dir, 'public');
    if (existsSync(join(sibling, 'index.html')) && existsSync(join(sibling, 'console.js'))) return sibling;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error('operator console files not found (src/modules/operator/public)');
}

/**
 * The operator console at /console: static HTML, plain JS and CSS, no build step. The page itself is
 * public; it holds no data. Everything it shows comes from the API and the /operator socket with
 * the token the operator pastes (or passes as #token=... in the URL fragment, never sent to the server).
 */
@ApiExcludeController()
@Public()
@Controller('console')
export class ConsoleController {
  private readonly dir = publicDir();
  private readonly cache = new Map<string, Buffer>();

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('Referrer-Policy', 'no-referrer')
  @Header(
    'Content-Security-Policy',
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self' ws: wss:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
  )
  page(): string {
    return this.read('index.html').toString('utf8');
  }

  @Get(':file')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const type = FILES[file];
    if (!type) throw AppError.notFound('File', file);
    res.type(type).send(this.read(file));
  }

  private read(file: string): Buffer {
    let data = this.cache.get(file);
    if (!data) this.cache.set(file, (data = readFileSync(join(this.dir, file))));
    return data;
  }
}
