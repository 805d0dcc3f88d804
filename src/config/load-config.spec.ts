import { ConfigError, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('gives the embedded defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ port: 3000, host: '127.0.0.1' });
    expect(config.database.url).toBeUndefined();
    expect(config.database.embeddedDir).toMatch(/\.data\/pg$/);
    expect(config.ami).toBeUndefined();
  });

  it('converts numbers and reads the default PBX', () => {
    const config = loadConfig({ PORT: '8080', AMI_HOST: 'pbx1', AMI_USERNAME: 'crm', AMI_SECRET: 's' });
    expect(config.http.port).toBe(8080);
    expect(config.ami).toEqual({ host: 'pbx1', port: 5038, username: 'crm', secret: 's' });
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', AMI_HOST: 'pbx1', JWT_SECRET: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/DATABASE_URL must be a postgres/);
    expect(problems).toMatch(/AMI_USERNAME is required when AMI_HOST is set/);
    expect(problems).toMatch(/AMI_SECRET is required/);
    expect(problems).toMatch(/JWT_SECRET must be at least 32/);
    expect(problems).toMatch(/PORT must be an integer number \(got "eighty"\)/);
    expect(problems).not.toMatch(/short/); // secrets are never echoed
    expect((error as ConfigError).problems).toHaveLength(5);
  });

  it('reads the phone and FastAGI settings, with their defaults', () => {
    expect(loadConfig({})).toMatchObject({
      phone: { defaultCountry: 'RU', matchDigits: 10 },
      agi: { host: '127.0.0.1', port: 4573, deadlineMs: 300, maxConnections: 200, headerTimeoutMs: 2000 },
    });
    const c = loadConfig({
      DEFAULT_COUNTRY: 'de',
      PHONE_MATCH_DIGITS: '9',
      AGI_PORT: '0',
      AGI_DEADLINE_MS: '150',
    });
    expect(c.phone).toEqual({ defaultCountry: 'DE', matchDigits: 9 });
    expect(c.agi).toMatchObject({ port: 0, deadlineMs: 150 });
    let error: unknown;
    try {
      loadConfig({
        DEFAULT_COUNTRY: 'XX',
        PHONE_MATCH_DIGITS: '3',
        AGI_DEADLINE_MS: '5',
        AGI_MAX_CONNECTIONS: '0',
      });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/DEFAULT_COUNTRY must be a two-letter country code/);
    expect(problems).toMatch(/PHONE_MATCH_DIGITS/);
    expect(problems).toMatch(/AGI_DEADLINE_MS/);
    expect(problems).toMatch(/AGI_MAX_CONNECTIONS/);
  });
});
