import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig, requireMasterKey } from '../../../src/config/load-config.ts';

const MASTER_KEY = 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=';

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'iam-pam-config-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('applies the defaults of CONTRACT.md', () => {
    const config = loadConfig({});
    expect(config.redis).toMatchObject({
      url: 'redis://127.0.0.1:6379',
      prefix: 'iam-pam',
      minReplicas: 0,
    });
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 8080, apiTokens: [] });
    expect(config.worker).toEqual({
      httpPort: 9464,
      concurrency: 16,
      jobLockMs: 30_000,
      shutdownTimeoutS: 30,
    });
    expect(config.iam.defaultMaxRps).toBe(10);
    expect(config.vault.masterKey).toBeUndefined();
    expect(config.failpoints).toEqual([]);
    expect(config.log).toEqual({ level: 'info', format: 'json' });
  });

  it('reads every variable of the table', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://cache.internal:6380',
      IAM_PAM_PREFIX: 'pam-prod',
      IAM_PAM_MASTER_KEY: MASTER_KEY,
      IAM_PAM_MASTER_KEY_PREVIOUS: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      IAM_PAM_API_TOKENS: 'ops:0123456789abcdefXYZ:read+admin,ci:abcdefghijklmnopqrst:enqueue',
      IAM_PAM_HTTP_HOST: '0.0.0.0',
      IAM_PAM_HTTP_PORT: '9090',
      IAM_PAM_WORKER_HTTP_PORT: 'auto',
      IAM_PAM_DEFAULT_MAX_RPS: '25',
      IAM_PAM_CONCURRENCY: '4',
      IAM_PAM_JOB_LOCK_MS: '2000',
      IAM_PAM_SHUTDOWN_TIMEOUT_S: '5',
      IAM_PAM_KEY_DRAIN_TIMEOUT_S: '20',
      IAM_PAM_MIN_REPLICAS: '2',
      IAM_PAM_FAILPOINTS: 'rotation:after-intent,rotation:after-promote',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
      AWS_ENDPOINT_URL_IAM: 'http://127.0.0.1:5001',
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:5002',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
    });
    expect(config.log).toEqual({ level: 'debug', format: 'pretty' });
    expect(config.redis.url).toBe('rediss://cache.internal:6380');
    expect(config.redis.minReplicas).toBe(2);
    expect(config.http.apiTokens).toEqual([
      { name: 'ops', token: '0123456789abcdefXYZ', scopes: ['read', 'admin'] },
      { name: 'ci', token: 'abcdefghijklmnopqrst', scopes: ['enqueue'] },
    ]);
    expect(config.worker).toEqual({
      httpPort: 'auto',
      concurrency: 4,
      jobLockMs: 2000,
      shutdownTimeoutS: 5,
    });
    expect(config.iam).toEqual({
      defaultMaxRps: 25,
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:5000',
      iamEndpoint: 'http://127.0.0.1:5001',
      stsEndpoint: 'http://127.0.0.1:5002',
      keyDrainTimeoutS: 20,
    });
    expect(config.failpoints).toEqual(['rotation:after-intent', 'rotation:after-promote']);
    expect(requireMasterKey(config)).toBe(MASTER_KEY);
    expect(Object.isFrozen(config.worker)).toBe(true);
  });

  it('takes settings from the config file, with environment variables winning', () => {
    const path = configFile({
      IAM_PAM_HTTP_PORT: 7070,
      IAM_PAM_PREFIX: 'from-file',
      redis: { sentinel: { name: 'mymaster', sentinels: [{ host: '10.0.0.1', port: 26379 }] } },
    });
    const config = loadConfig({ IAM_PAM_CONFIG: path, IAM_PAM_PREFIX: 'from-env' });
    expect(config.http.port).toBe(7070);
    expect(config.redis.prefix).toBe('from-env');
    expect(config.redis.sentinel?.name).toBe('mymaster');
  });

  it.each([
    [
      'IAM_PAM_HTTP_PORT',
      '80x',
      /^IAM_PAM_HTTP_PORT: must be a whole number from 0 to 65535 \(got "80x"\); e\.g\. IAM_PAM_HTTP_PORT=8080$/,
    ],
    [
      'IAM_PAM_HTTP_PORT',
      '70000',
      /^IAM_PAM_HTTP_PORT: .*got "70000".*e\.g\. IAM_PAM_HTTP_PORT=8080$/,
    ],
    [
      'IAM_PAM_WORKER_HTTP_PORT',
      'sometimes',
      /^IAM_PAM_WORKER_HTTP_PORT: must be a port number \(0 = off\) or "auto"/,
    ],
    ['IAM_PAM_CONCURRENCY', '0', /^IAM_PAM_CONCURRENCY: must be a whole number from 1 to 1000/],
    ['IAM_PAM_CONCURRENCY', '2.5', /^IAM_PAM_CONCURRENCY: must be a whole number/],
    [
      'IAM_PAM_DEFAULT_MAX_RPS',
      '10rps',
      /^IAM_PAM_DEFAULT_MAX_RPS: .*e\.g\. IAM_PAM_DEFAULT_MAX_RPS=10$/,
    ],
    ['IAM_PAM_JOB_LOCK_MS', '-1', /^IAM_PAM_JOB_LOCK_MS: must be a whole number/],
    ['IAM_PAM_SHUTDOWN_TIMEOUT_S', 'soon', /^IAM_PAM_SHUTDOWN_TIMEOUT_S: /],
    [
      'IAM_PAM_MIN_REPLICAS',
      '-1',
      /^IAM_PAM_MIN_REPLICAS: must be a whole number from 0 to 100.*e\.g\. IAM_PAM_MIN_REPLICAS=1$/,
    ],
    [
      'REDIS_URL',
      'http://127.0.0.1:6379',
      /^REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL .*e\.g\. REDIS_URL=redis:\/\/127\.0\.0\.1:6379$/,
    ],
    ['IAM_PAM_PREFIX', 'a{b}', /^IAM_PAM_PREFIX: must be 1-64 letters/],
    ['IAM_PAM_HTTP_HOST', 'bad host', /^IAM_PAM_HTTP_HOST: must be a host name/],
    ['AWS_REGION', 'Mars', /^AWS_REGION: must be an AWS region name/],
    [
      'AWS_ENDPOINT_URL_IAM',
      'localhost:5000',
      /^AWS_ENDPOINT_URL_IAM: must be an http:\/\/ or https:\/\/ URL/,
    ],
    [
      'LOG_LEVEL',
      'loud',
      /^LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/,
    ],
    [
      'LOG_FORMAT',
      'fancy',
      /^LOG_FORMAT: must be one of json, pretty \(got "fancy"\); e\.g\. LOG_FORMAT=pretty$/,
    ],
    [
      'IAM_PAM_FAILPOINTS',
      'rotation:after-Lunch',
      /^IAM_PAM_FAILPOINTS: malformed failpoint "rotation:after-Lunch"/,
    ],
  ])('rejects %s=%s with one line naming the variable and an example', (name, value, expected) => {
    const message = errorOf({ [name]: value });
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
  });

  it('never echoes a malformed secret', () => {
    const badKey = 'not-a-real-key-but-still-secret-material';
    const message = errorOf({ IAM_PAM_MASTER_KEY: badKey });
    expect(message).toMatch(/^IAM_PAM_MASTER_KEY: must be base64 of 32 random bytes/);
    expect(message).not.toContain(badKey);

    const tokenMessage = errorOf({ IAM_PAM_API_TOKENS: 'ops:short-secret:read' });
    expect(tokenMessage).toMatch(
      /^IAM_PAM_API_TOKENS: entry 1 \("ops"\): the token must be at least 16/,
    );
    expect(tokenMessage).not.toContain('short-secret');
  });

  it('never echoes credentials inside a URL, nor the text of a broken config file', () => {
    const message = errorOf({ REDIS_URL: 'redis://:hunter2pass@cache:63x' });
    expect(message).toMatch(/^REDIS_URL: /);
    expect(message).not.toContain('hunter2pass');
    const endpoint = errorOf({ AWS_ENDPOINT_URL_IAM: 'ftp://admin:s3cretpw@host' });
    expect(endpoint).not.toContain('s3cretpw');
    const file = errorOf({
      IAM_PAM_CONFIG: configFile(`{"IAM_PAM_MASTER_KEY": 'c2VjcmV0c2VjcmV0c2VjcmV0'}`),
    });
    expect(file).toMatch(/^IAM_PAM_CONFIG: cannot read .* \(not valid JSON/);
    expect(file).not.toContain('c2VjcmV0');
  });

  it('refuses a previous master key equal to the current one', () => {
    expect(
      errorOf({ IAM_PAM_MASTER_KEY: MASTER_KEY, IAM_PAM_MASTER_KEY_PREVIOUS: MASTER_KEY }),
    ).toMatch(/^IAM_PAM_MASTER_KEY_PREVIOUS: is the same key/);
  });

  it('rejects malformed API token entries by what is wrong', () => {
    expect(errorOf({ IAM_PAM_API_TOKENS: 'just-a-token' })).toMatch(
      /entry 1 is not name:token:scope\+scope/,
    );
    expect(errorOf({ IAM_PAM_API_TOKENS: 'ops:0123456789abcdefXYZ:root' })).toMatch(
      /unknown scope "root"/,
    );
    expect(
      errorOf({ IAM_PAM_API_TOKENS: 'a:0123456789abcdefXYZ:read,a:abcdefghijklmnopqrst:read' }),
    ).toMatch(/"a" is used twice/);
  });

  it('says what is missing when a command needs the master key', () => {
    expect(() => requireMasterKey(loadConfig({}))).toThrow(
      /^IAM_PAM_MASTER_KEY: missing; .* e\.g\. IAM_PAM_MASTER_KEY=\$\(iam-pam keygen\)$/,
    );
  });

  it('names the config file problem: missing file, bad JSON, unknown key, bad deployment', () => {
    expect(errorOf({ IAM_PAM_CONFIG: '/nonexistent/config.json' })).toMatch(
      /^IAM_PAM_CONFIG: cannot read \/nonexistent\/config\.json \(no such file\)/,
    );
    expect(errorOf({ IAM_PAM_CONFIG: configFile('{not json') })).toMatch(
      /^IAM_PAM_CONFIG: cannot read .*config\.json/,
    );
    expect(errorOf({ IAM_PAM_CONFIG: configFile({ HTTP_PORT: 1 }) })).toMatch(
      /unknown setting "HTTP_PORT"/,
    );
    expect(errorOf({ IAM_PAM_CONFIG: configFile({ IAM_PAM_HTTP_PORT: '80x' }) })).toMatch(
      /^IAM_PAM_HTTP_PORT: /,
    );
    expect(errorOf({ IAM_PAM_CONFIG: configFile({ 'redis.cluster': { nodes: [] } }) })).toMatch(
      /"redis\.cluster" at nodes/,
    );
  });
});
