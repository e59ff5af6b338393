import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createLogger, REDACTED } from '../../src/logger.ts';

function captureLogger(format: 'json' | 'pretty' = 'json') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const log = createLogger({ level: 'debug', stream: 'stderr', format, destination: destination });
  return { log, output: () => lines.join('') };
}

const SECRETS = {
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY',
  password: 'Correct-Horse-Battery-9',
  masterKey: 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=',
  apiToken: 'tok_live_0123456789abcdef',
  bearer: 'Bearer abcdefghijklmnop0123',
  session: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN',
};

describe('createLogger', () => {
  it('LOG_FORMAT=pretty writes readable lines, with secrets redacted as in JSON', () => {
    const { log, output } = captureLogger('pretty');
    log.info({ queue: 'validate', secretAccessKey: SECRETS.secretAccessKey }, 'worker ready');
    log.warn({ deep: { a: { password: SECRETS.password } } }, 'careful');
    const text = output();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: worker ready\n/);
    expect(text).toMatch(/^ {4}queue: "validate"$/m);
    expect(text).toMatch(/WARN: careful/);
    expect(text).not.toMatch(/^\{/m);
    for (const secret of Object.values(SECRETS)) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain(REDACTED);
  });

  it('redacts secrets at any depth, in arrays, in errors and in headers', () => {
    const { log, output } = captureLogger();
    log.info(
      { AccessKey: { AccessKeyId: 'AKIAEXAMPLE', SecretAccessKey: SECRETS.secretAccessKey } },
      'new key',
    );
    log.info({ deep: { a: { b: { c: { password: SECRETS.password } } } } }, 'deep');
    log.info(
      { list: [{ NewPassword: SECRETS.password }, { secret: SECRETS.secretAccessKey }] },
      'array',
    );
    log.info(
      {
        config: { vault: { masterKey: SECRETS.masterKey }, IAM_PAM_MASTER_KEY: SECRETS.masterKey },
      },
      'config',
    );
    log.info({ http: { apiTokens: [{ name: 'ops', token: SECRETS.apiToken }] } }, 'tokens');
    log.info(
      { req: { headers: { authorization: SECRETS.bearer, Authorization: SECRETS.bearer } } },
      'request',
    );
    log.info({ credentials: { sessionToken: SECRETS.session } }, 'assumed');
    const err = Object.assign(new Error('create failed'), {
      secretAccessKey: SECRETS.secretAccessKey,
    });
    log.warn({ err }, 'with error');
    const text = output();
    for (const secret of Object.values(SECRETS)) {
      expect(text).not.toContain(secret);
    }
    expect(text.split(REDACTED).length).toBeGreaterThan(10);
    expect(text).toContain('AKIAEXAMPLE');
    expect(text).toContain('create failed');
  });

  it('redacts child-logger bindings and refuses to log what is too deep to check', () => {
    const { log, output } = captureLogger();
    let deep: Record<string, unknown> = { password: SECRETS.password };
    for (let i = 0; i < 12; i += 1) {
      deep = { level: deep };
    }
    log
      .child({ password: SECRETS.password, data: { secretAccessKey: SECRETS.secretAccessKey } })
      .info({ deep }, 'child');
    const text = output();
    expect(text).not.toContain(SECRETS.password);
    expect(text).not.toContain(SECRETS.secretAccessKey);
    expect(text).toContain('[Too deep to log]');
  });

  it('keeps fields that only look secret-shaped', () => {
    const { log, output } = captureLogger();
    log.info({ fencingToken: 42, accessKeyId: 'AKIAEXAMPLE' }, 'lease');
    const record = JSON.parse(output()) as Record<string, unknown>;
    expect(record).toMatchObject({ fencingToken: 42, accessKeyId: 'AKIAEXAMPLE', msg: 'lease' });
  });

  it('writes JSON lines with a level and the service', () => {
    const { log, output } = captureLogger();
    log.child({ jobId: 'j1' }).info('hello');
    expect(JSON.parse(output())).toMatchObject({
      level: 30,
      jobId: 'j1',
      msg: 'hello',
      service: 'iam-pam',
    });
  });
});
