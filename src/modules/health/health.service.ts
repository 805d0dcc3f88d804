import { Injectable } from '@nestjs/common';

export type ComponentStatus = 'up' | 'degraded' | 'down';
export type OverallStatus = 'ok' | 'degraded' | 'down';

export interface ComponentHealth {
  status: ComponentStatus;
  [detail: string]: unknown;
}

interface Check {
  run: () => ComponentHealth | Promise<ComponentHealth>;
  /** A critical component down makes the whole service `down` (503); others make it `degraded`. */
  critical: boolean;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * Each long-running piece (database, each PBX link, the AGI server...) registers a check here;
 * GET /health reports them as separate entries.
 */
@Injectable()
export class HealthService {
  private readonly checks = new Map<string, Check>();

  register(name: string, run: Check['run'], options: { critical?: boolean } = {}): void {
    this.checks.set(name, { run, critical: options.critical ?? false });
  }

  unregister(name: string): void {
    this.checks.delete(name);
  }

  async report(): Promise<{ status: OverallStatus; components: Record<string, ComponentHealth> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, check, await runWithTimeout(check.run)] as const),
    );
    let status: OverallStatus = 'ok';
    const components: Record<string, ComponentHealth> = {};
    for (const [name, check, result] of entries) {
      components[name] = result;
      if (result.status === 'down' && check.critical) status = 'down';
      else if (result.status !== 'up' && status === 'ok') status = 'degraded';
    }
    return { status, components };
  }
}

async function runWithTimeout(run: Check['run']): Promise<ComponentHealth> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(run),
      new Promise<ComponentHealth>((resolve) => {
        timer = setTimeout(
          () => resolve({ status: 'down', error: `check timed out after ${CHECK_TIMEOUT_MS} ms` }),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (e) {
    return { status: 'down', error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
