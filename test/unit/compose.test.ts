/** docker-compose.yml runs only commands the CLI has, on a Redis that never evicts. */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { listCommandPaths } from '../../src/cli/program.ts';

interface Service {
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
  services: Record<string, Service>;
};

/** Commands compose runs that a later issue brings; remove each name when it lands. */
const NOT_YET_IN_CLI = new Set<string>([]);

describe('docker-compose.yml', () => {
  it('runs only commands that exist in the CLI (or are listed as arriving with a later issue)', () => {
    const commands = listCommandPaths();
    const ours = Object.entries(compose.services).filter(
      ([, service]) => service.build !== undefined,
    );
    expect(ours.map(([name]) => name).sort()).toEqual(['api', 'worker']);
    for (const [, service] of ours) {
      const command = service.command?.[0] ?? '';
      expect(
        commands.includes(command) || NOT_YET_IN_CLI.has(command),
        `unknown command "${command}"`,
      ).toBe(true);
    }
    for (const landed of NOT_YET_IN_CLI) {
      expect(commands, `"${landed}" exists now: remove it from NOT_YET_IN_CLI`).not.toContain(
        landed,
      );
    }
  });

  it('runs Redis 7 with AOF and noeviction, three workers, and moto as the development IAM', () => {
    const redis = compose.services.redis;
    expect(redis?.image).toMatch(/^redis:7/);
    expect(redis?.command).toEqual(
      expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']),
    );
    expect(compose.services.worker?.deploy?.replicas).toBe(3);
    expect(compose.services.moto?.image).toMatch(/^motoserver\/moto/);
    expect(compose.services.api?.environment).toMatchObject({
      AWS_ENDPOINT_URL_IAM: 'http://moto:5000',
      AWS_ENDPOINT_URL_STS: 'http://moto:5000',
      REDIS_URL: 'redis://redis:6379',
    });
  });

  it('builds a non-root, multi-stage image', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
