import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import type { CountryCode } from 'libphonenumber-js/min';
import { validateSync, type ValidationError } from 'class-validator';
import { AppConfig } from './app-config.js';
import { EnvSchema } from './env.schema.js';

/** A bad setting: lists every problem in one message, so the operator fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** One line per bad setting: "PORT must be an integer number (got "eighty")". Secrets are not echoed. */
function describe(errors: ValidationError[]): string[] {
  return errors.map((e) => {
    const msg = Object.values(e.constraints ?? {})[0] ?? 'is invalid';
    const secret = /SECRET|KEY|PASSWORD/.test(e.property);
    const shown = secret || e.value === undefined ? '' : ` (got ${JSON.stringify(e.value)})`;
    return `${msg.startsWith(e.property) ? msg : `${e.property} ${msg}`}${shown}`;
  });
}

/**
 * Validates the environment into an AppConfig. Reads `.env` from the working directory
 * first when it exists (values already in the environment win).
 */
export function loadConfig(env: Record<string, string | undefined> = readEnvironment()): AppConfig {
  const parsed = plainToInstance(EnvSchema, env, { enableImplicitConversion: false });
  const errors = validateSync(parsed, { forbidUnknownValues: false, stopAtFirstError: true });
  if (errors.length > 0) throw new ConfigError(describe(errors));

  const dataDir = resolve(parsed.DATA_DIR ?? './.data');
  const config = new AppConfig();
  config.http = { port: parsed.PORT ?? 3000, host: parsed.HOST ?? '127.0.0.1' };
  config.logLevel = parsed.LOG_LEVEL ?? 'info';
  config.database = {
    url: parsed.DATABASE_URL,
    embeddedDir: resolve(parsed.EMBEDDED_PG_DIR ?? `${dataDir}/pg`),
    embeddedPort: parsed.EMBEDDED_PG_PORT ?? 0,
    poolSize: parsed.DATABASE_POOL_SIZE ?? 10,
  };
  config.auth = {
    adminApiKey: parsed.ADMIN_API_KEY,
    jwtSecret: parsed.JWT_SECRET,
    jwtTtlSeconds: parsed.JWT_TTL_SECONDS ?? 900,
  };
  config.dataDir = dataDir;
  config.shutdownTimeoutMs = parsed.SHUTDOWN_TIMEOUT_MS ?? 10000;
  config.openApiEnabled = parsed.OPENAPI_ENABLED ?? true;
  config.ami = parsed.AMI_HOST
    ? {
        host: parsed.AMI_HOST,
        port: parsed.AMI_PORT ?? 5038,
        username: parsed.AMI_USERNAME!,
        secret: parsed.AMI_SECRET!,
      }
    : undefined;
  config.simulator = {
    mode: parsed.EMBEDDED_SIMULATOR ?? 'auto',
    callsPerMinute: parsed.SIMULATOR_CALLS_PER_MINUTE ?? 6,
  };
  config.phone = {
    defaultCountry: (parsed.DEFAULT_COUNTRY ?? 'RU') as CountryCode,
    matchDigits: parsed.PHONE_MATCH_DIGITS ?? 10,
  };
  config.agi = {
    host: parsed.AGI_HOST ?? '127.0.0.1',
    port: parsed.AGI_PORT ?? 4573,
    deadlineMs: parsed.AGI_DEADLINE_MS ?? 300,
    maxConnections: parsed.AGI_MAX_CONNECTIONS ?? 200,
    headerTimeoutMs: parsed.AGI_HEADER_TIMEOUT_MS ?? 2000,
  };
  config.operator = {
    origins: (parsed.OPERATOR_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim().replace(/\/+$/, '').toLowerCase())
      .filter((o) => o.length > 0),
    uniqueSession: parsed.OPERATOR_UNIQUE_SESSION ?? false,
    maxMessageBytes: parsed.OPERATOR_MAX_MESSAGE_BYTES ?? 16384,
    commandsPerSecond: parsed.OPERATOR_COMMANDS_PER_SECOND ?? 10,
    replayEvents: parsed.OPERATOR_REPLAY_EVENTS ?? 500,
    partyProfileUrl: parsed.PARTY_PROFILE_URL,
    recordOutCalls: parsed.RECORD_OUT_CALLS ?? false,
    outboundContext: parsed.OUTBOUND_CONTEXT ?? 'outbound',
    phonesContext: parsed.PHONES_CONTEXT ?? 'phones',
  };
  config.recordingsDir = resolve(parsed.RECORDINGS_DIR ?? './.data/recordings');
  config.commEvents = {
    bufferSize: parsed.COMM_EVENTS_BUFFER_SIZE ?? 20_000,
    batchSize: parsed.COMM_EVENTS_BATCH_SIZE ?? 500,
    flushMs: parsed.COMM_EVENTS_FLUSH_MS ?? 100,
  };
  config.instance = {
    name: parsed.INSTANCE_NAME ?? `${hostname().split('.')[0].slice(0, 30)}:${process.pid}`,
    region: parsed.INSTANCE_REGION ?? null,
  };
  config.redisUrl = parsed.REDIS_URL;
  config.directory = { removeUnknownMembers: parsed.DIRECTORY_REMOVE_UNKNOWN_MEMBERS ?? false };
  return config;
}

function readEnvironment(): Record<string, string | undefined> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}
