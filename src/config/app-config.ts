import type { CountryCode } from 'libphonenumber-js/min';

/**
 * The typed configuration every module receives (inject `AppConfig`).
 * Built once at boot by `loadConfig()`; nothing else reads process.env.
 */
export class AppConfig {
  http!: { port: number; host: string };
  logLevel!: string;
  database!: {
    /** Set: use this server. Unset: start the embedded PostgreSQL under embeddedDir. */
    url?: string;
    embeddedDir: string;
    /** 0 picks a free port. */
    embeddedPort: number;
    poolSize: number;
  };
  auth!: {
    /** Bootstrap admin API key; when unset one is generated into dataDir/admin-api-key. */
    adminApiKey?: string;
    /** When unset, generated once and kept in dataDir/jwt-secret (one instance only). */
    jwtSecret?: string;
    jwtTtlSeconds: number;
  };
  dataDir!: string;
  shutdownTimeoutMs!: number;
  openApiEnabled!: boolean;
  /** The default PBX from settings; undefined when AMI_HOST is unset. */
  ami?: { host: string; port: number; username: string; secret: string };
  phone!: {
    /** Country whose national formats (`8 903 ...` for RU) are understood: DEFAULT_COUNTRY. */
    defaultCountry: CountryCode;
    /** Two numbers match when their last this many digits are equal: PHONE_MATCH_DIGITS. */
    matchDigits: number;
  };
  agi!: {
    host: string;
    /** 0 picks a free port (tests); the bound one is AgiServer.port. */
    port: number;
    /** A FastAGI request is answered within this, with empty variables when the lookup is late. */
    deadlineMs: number;
    maxConnections: number;
    /** Longest silence accepted from a FastAGI client: the header block, then each reply. */
    headerTimeoutMs: number;
  };
  /** `auto`: with no PBX configured, run the PBX simulator inside the app (scripted calls). */
  simulator!: { mode: 'auto' | 'off'; callsPerMinute: number };
  operator!: {
    /** Origins allowed to open an operator socket (OPERATOR_ORIGINS); empty: same origin only. */
    origins: string[];
    /** A user's new connection replaces the old one (OFBiz UniqueUserSession). */
    uniqueSession: boolean;
    /** Socket.IO maxHttpBufferSize: the largest message a client may send. */
    maxMessageBytes: number;
    /** Commands per second per socket (bursts of twice that). */
    commandsPerSecond: number;
    /** Events kept per user for resume after a dropped connection. */
    replayEvents: number;
    /** PARTY_PROFILE_URL: `{externalRef}`, `{contactId}`, `{number}` are replaced. */
    partyProfileUrl?: string;
    /** Record click-to-call calls (RECORD_OUT_CALLS). */
    recordOutCalls: boolean;
    /** Dialplan context click-to-call dials the number in when neither the peer nor the PBX has a trunk template. */
    outboundContext: string;
    /** Dialplan context where operators' extensions are dialled (Answer, transfer to an extension) when the peer's interface does not name one. */
    phonesContext: string;
  };
  /**
   * Where call recordings are read from (RECORDINGS_DIR): the stored path's Asterisk prefix
   * `/var/spool/asterisk/monitor/` is mapped onto it; nothing outside it is ever served.
   */
  recordingsDir!: string;
  commEvents!: {
    /** Records held in memory while the database cannot take them; beyond, they go to the journal. */
    bufferSize: number;
    /** Most calls per INSERT statement. */
    batchSize: number;
    /** How long a record waits for others to share its statement. */
    flushMs: number;
  };
  /** Who this instance is among several sharing one PostgreSQL (INSTANCE_NAME, INSTANCE_REGION). */
  instance!: { name: string; region: string | null };
  /** REDIS_URL: set when several instances share the operators (Socket.IO adapter, event log, idempotency). */
  redisUrl?: string;
  directory!: {
    /** Remove dynamic queue members the directory does not know at reconciliation: DIRECTORY_REMOVE_UNKNOWN_MEMBERS. */
    removeUnknownMembers: boolean;
  };
}
