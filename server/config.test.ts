import { ConfigError, loadConfig } from './config';

describe('configuration', () => {
  test('when nothing is set, then the defaults give a runnable embedded server on port 3000', () => {
    const config = loadConfig({});

    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.publicOrigin).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toMatch(/data$/);
    expect(config.logLevel).toBe('info');
  });

  test('when PUBLIC_URL has a path and a trailing slash, then the origin is derived from it', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://hearth.example.org/' });

    expect(config.publicUrl).toBe('https://hearth.example.org');
    expect(config.publicOrigin).toBe('https://hearth.example.org');
  });

  test('when empty strings are set, then they count as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', REDIS_URL: '', PORT: '' });

    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.port).toBe(3000);
  });

  test('when several values are wrong, then one error names every one of them', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', SESSION_SECRET: 'short' });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT');
    expect(problems).toContain('DATABASE_URL');
    expect(problems).toContain('LOG_LEVEL');
    expect(problems).toContain('SESSION_SECRET');
  });

  test('when production runs on PostgreSQL without a session secret, then it refuses to start', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/hearth' })).toThrow(/SESSION_SECRET/);
  });

  test('when TRUST_PROXY is a number or a boolean, then Express gets that type', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({}).trustProxy).toBe('loopback');
  });
});
