import { Transform } from 'class-transformer';
import { getCountries } from 'libphonenumber-js/min';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === ''
    ? undefined
    : value === 'true' || value === '1'
      ? true
      : value === 'false' || value === '0'
        ? false
        : value;
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const toUpper = ({ value }: { value: unknown }) =>
  value === '' ? undefined : typeof value === 'string' ? value.trim().toUpperCase() : value;

/**
 * Every setting Switchboard reads, validated once at boot (see load-config.ts).
 * `.env.example` documents each one with its default; keep the two in step.
 */
export class EnvSchema {
  // --- HTTP ---
  @Transform(toInt)
  @Max(65535)
  @Min(0)
  @IsInt()
  @IsOptional()
  PORT?: number;

  @IsString()
  @IsOptional()
  HOST?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  @IsOptional()
  LOG_LEVEL?: string;

  // --- Database ---
  @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  @IsOptional()
  DATABASE_URL?: string;

  @IsString()
  @IsOptional()
  EMBEDDED_PG_DIR?: string;

  @Transform(toInt)
  @Max(65535)
  @Min(0)
  @IsInt()
  @IsOptional()
  EMBEDDED_PG_PORT?: number;

  @Transform(toInt)
  @Max(200)
  @Min(1)
  @IsInt()
  @IsOptional()
  DATABASE_POOL_SIZE?: number;

  // --- Authentication ---
  @Transform(emptyToUndefined)
  @MinLength(24, { message: 'ADMIN_API_KEY must be at least 24 characters' })
  @IsString()
  @IsOptional()
  ADMIN_API_KEY?: string;

  @Transform(emptyToUndefined)
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  @IsString()
  @IsOptional()
  JWT_SECRET?: string;

  @Transform(toInt)
  @Max(86400)
  @Min(30)
  @IsInt()
  @IsOptional()
  JWT_TTL_SECONDS?: number;

  // --- Directory data kept by the app itself (generated secrets, embedded database) ---
  @IsString()
  @IsOptional()
  DATA_DIR?: string;

  // --- Shutdown ---
  @Transform(toInt)
  @Max(120000)
  @Min(0)
  @IsInt()
  @IsOptional()
  SHUTDOWN_TIMEOUT_MS?: number;

  // --- Swagger / OpenAPI ---
  @Transform(toBool)
  @IsBoolean()
  @IsOptional()
  OPENAPI_ENABLED?: boolean;

  // --- The default PBX (AMI) ---
  @Transform(emptyToUndefined)
  @MaxLength(255)
  @IsString()
  @IsOptional()
  AMI_HOST?: string;

  @Transform(toInt)
  @Max(65535)
  @Min(1)
  @IsInt()
  @IsOptional()
  AMI_PORT?: number;

  @ValidateIf((env: EnvSchema) => env.AMI_HOST !== undefined)
  @IsString({ message: 'AMI_USERNAME is required when AMI_HOST is set' })
  AMI_USERNAME?: string;

  @ValidateIf((env: EnvSchema) => env.AMI_HOST !== undefined)
  @IsString({ message: 'AMI_SECRET is required when AMI_HOST is set' })
  AMI_SECRET?: string;

  // --- Phone numbers and contacts ---
  @Transform(toUpper)
  @IsIn(getCountries(), {
    message: 'DEFAULT_COUNTRY must be a two-letter country code known to libphonenumber-js, e.g. RU, US, DE',
  })
  @IsOptional()
  DEFAULT_COUNTRY?: string;

  @Transform(toInt)
  @Max(15)
  @Min(6)
  @IsInt()
  @IsOptional()
  PHONE_MATCH_DIGITS?: number;

  // --- FastAGI server ---
  @Transform(emptyToUndefined)
  @MaxLength(255)
  @IsString()
  @IsOptional()
  AGI_HOST?: string;

  @Transform(toInt)
  @Max(65535)
  @Min(0)
  @IsInt()
  @IsOptional()
  AGI_PORT?: number;

  @Transform(toInt)
  @Max(10000)
  @Min(20)
  @IsInt()
  @IsOptional()
  AGI_DEADLINE_MS?: number;

  @Transform(toInt)
  @Max(10000)
  @Min(1)
  @IsInt()
  @IsOptional()
  AGI_MAX_CONNECTIONS?: number;

  @Transform(toInt)
  @Max(60000)
  @Min(100)
  @IsInt()
  @IsOptional()
  AGI_HEADER_TIMEOUT_MS?: number;

  // --- The PBX simulator started inside the app when no PBX is configured ---
  @IsIn(['auto', 'off'])
  @IsOptional()
  EMBEDDED_SIMULATOR?: 'auto' | 'off';

  @Transform(toInt)
  @Max(6000)
  @Min(1)
  @IsInt()
  @IsOptional()
  SIMULATOR_CALLS_PER_MINUTE?: number;

  // --- Operator gateway (Socket.IO /operator) and console ---
  /** Comma list of browser origins allowed to open an operator socket; empty: the app's own origin only. */
  @Transform(emptyToUndefined)
  @Matches(/^\s*https?:\/\/[^\s,/]+\s*(,\s*https?:\/\/[^\s,/]+\s*)*$/, {
    message:
      'OPERATOR_ORIGINS must be a comma list of origins such as https://crm.example.com,http://localhost:8080',
  })
  @IsOptional()
  OPERATOR_ORIGINS?: string;

  @Transform(toBool)
  @IsBoolean()
  @IsOptional()
  OPERATOR_UNIQUE_SESSION?: boolean;

  @Transform(toInt)
  @Max(1048576)
  @Min(1024)
  @IsInt()
  @IsOptional()
  OPERATOR_MAX_MESSAGE_BYTES?: number;

  @Transform(toInt)
  @Max(1000)
  @Min(1)
  @IsInt()
  @IsOptional()
  OPERATOR_COMMANDS_PER_SECOND?: number;

  @Transform(toInt)
  @Max(100000)
  @Min(10)
  @IsInt()
  @IsOptional()
  OPERATOR_REPLAY_EVENTS?: number;

  /** Profile link of a matched contact: `https://crm.example/party/{externalRef}` ({contactId}, {number} too). */
  @Transform(emptyToUndefined)
  @Matches(/^https?:\/\/\S+$/, { message: 'PARTY_PROFILE_URL must be an http(s) URL template' })
  @MaxLength(2000)
  @IsOptional()
  PARTY_PROFILE_URL?: string;

  @Transform(toBool)
  @IsBoolean()
  @IsOptional()
  RECORD_OUT_CALLS?: boolean;

  @Transform(emptyToUndefined)
  @Matches(/^[\w-]{1,79}$/, { message: 'OUTBOUND_CONTEXT must be a dialplan context name' })
  @IsOptional()
  OUTBOUND_CONTEXT?: string;

  @Transform(emptyToUndefined)
  @Matches(/^[\w-]{1,79}$/, { message: 'PHONES_CONTEXT must be a dialplan context name' })
  @IsOptional()
  PHONES_CONTEXT?: string;

  // --- Calls and communication events ---
  @Transform(emptyToUndefined)
  @MaxLength(4096)
  @IsString()
  @IsOptional()
  RECORDINGS_DIR?: string;

  @Transform(toInt)
  @Max(1_000_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  COMM_EVENTS_BUFFER_SIZE?: number;

  @Transform(toInt)
  @Max(2000)
  @Min(1)
  @IsInt()
  @IsOptional()
  COMM_EVENTS_BATCH_SIZE?: number;

  @Transform(toInt)
  @Max(10000)
  @Min(1)
  @IsInt()
  @IsOptional()
  COMM_EVENTS_FLUSH_MS?: number;

  // --- Several instances ---
  /** This instance's name in /health, logs and the ingest lease (default: hostname:pid). */
  @Transform(emptyToUndefined)
  @Matches(/^[\w.:-]{1,40}$/, { message: 'INSTANCE_NAME must be 1-40 letters, digits, ".", ":", "-" or "_"' })
  @IsOptional()
  INSTANCE_NAME?: string;

  /** The site this instance runs at: it is preferred as the ingester of PBXes whose region is the same. */
  @Transform(emptyToUndefined)
  @Matches(/^[\w.:-]{1,20}$/, {
    message: 'INSTANCE_REGION must be 1-20 letters, digits, ".", ":", "-" or "_"',
  })
  @IsOptional()
  INSTANCE_REGION?: string;

  /** Redis shared by the instances (Socket.IO adapter, operator event log, idempotency keys). */
  @Transform(emptyToUndefined)
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  @IsOptional()
  REDIS_URL?: string;

  // --- Call-center directory ---
  @Transform(toBool)
  @IsBoolean()
  @IsOptional()
  DIRECTORY_REMOVE_UNKNOWN_MEMBERS?: boolean;
}
