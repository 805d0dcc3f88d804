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
}
