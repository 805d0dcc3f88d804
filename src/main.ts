import 'reflect-metadata';
import { startApp } from './bootstrap.js';
import { ConfigError, loadConfig } from './config/load-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\nSee .env.example for every setting and its default.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const running = await startApp(config);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      const timer = setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
      running.close().then(
        () => {
          clearTimeout(timer);
          process.exit(0);
        },
        () => process.exit(1),
      );
    });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`Switchboard failed to start: ${(e as Error | undefined)?.stack ?? String(e)}\n`);
  process.exit(1);
});
