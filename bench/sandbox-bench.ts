/**
 * The IAM sandbox benchmark: start-up time of `iam-pam sandbox --seed-users 100`, and
 * ListUsers / CreateAccessKey requests per second against `iam-pam sandbox --seed-users 10000`
 * running in its own process, loaded by separate client processes that send pre-signed raw
 * HTTP requests (one SDK client process tops out near 1,000 ListUsers/s on its own).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';

import { createSandbox } from '../src/sandbox/create-sandbox.ts';
import { startSandboxProcess } from '../test/support/sandbox-process.ts';
import type { Bench, BenchRow } from './bench.ts';
import type { LoadJob, LoadResult } from './load-client.ts';

const USERS = 10_000;
const DURATION_MS = 5_000;
const CONCURRENCY = 16;
const CLIENT_PROCESS_COUNTS = [1, 2, 3];

interface Printed {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

function runClient(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load-client.ts'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as LoadResult)
        : reject(new Error(`load client exited ${code}`)),
    );
    child.stdin.end(JSON.stringify(job));
  });
}

/** Runs `processes` clients at once over `slices` of requests; throughput of the whole run. */
async function load(
  base: Omit<LoadJob, 'requests' | 'startAt'>,
  slices: Array<LoadJob['requests']>,
): Promise<{ perSecond: number; statuses: Record<string, number>; p99Ms: number }> {
  // Signing 10,000 requests takes a moment: start everyone together afterwards.
  const startAt = Date.now() + 4_000;
  const results = await Promise.all(
    slices.map((requests) => runClient({ ...base, requests, startAt })),
  );
  const sent = results.reduce((sum, r) => sum + r.sent, 0);
  const seconds = Math.max(...results.map((r) => r.seconds));
  const statuses: Record<string, number> = {};
  for (const r of results) {
    for (const [status, n] of Object.entries(r.statuses)) {
      statuses[status] = (statuses[status] ?? 0) + n;
    }
  }
  return { perSecond: sent / seconds, statuses, p99Ms: Math.max(...results.map((r) => r.p99Ms)) };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const statusText = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([status, n]) => `${n}×${status}`)
    .join(', ');

async function startupTimes(entry?: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const run = await startSandboxProcess(['--seed-users', '100', '--json'], 20_000, entry);
    times.push(run.startMs);
    await run.stop();
  }
  return times;
}

async function startupRows(log: (line: string) => void): Promise<BenchRow[]> {
  const times = await startupTimes();
  log(`start-up runs through tsx (ms): ${times.map((t) => t.toFixed(0)).join(', ')}`);
  const rows: BenchRow[] = [
    {
      measure: 'iam-pam sandbox --seed-users 100: start-up (tsx)',
      value: median(times),
      unit: 'ms',
      notes:
        'median of 5; spawn of `node --import tsx src/main.ts sandbox --seed-users 100 --json` to its first stdout line',
    },
  ];
  if (existsSync('dist/main.js')) {
    const built = await startupTimes(['bin/iam-pam.js']);
    log(`start-up runs of bin/iam-pam.js (ms): ${built.map((t) => t.toFixed(0)).join(', ')}`);
    rows.push({
      measure: 'iam-pam sandbox --seed-users 100: start-up (built)',
      value: median(built),
      unit: 'ms',
      notes: 'median of 5; `bin/iam-pam.js sandbox --seed-users 100 --json` after npm run build',
    });
  } else {
    log('dist/ is missing: run npm run build to measure the built CLI too');
  }
  const seedStart = performance.now();
  const inProcess = await createSandbox({ seedUsers: USERS });
  const seedMs = performance.now() - seedStart;
  await inProcess.close();
  return [
    ...rows,
    {
      measure: `createSandbox({ seedUsers: ${USERS} }) in-process`,
      value: seedMs,
      unit: 'ms',
      notes: 'seeding and listening, no process start',
    },
  ];
}

export const sandboxBench: Bench = {
  name: 'sandbox',
  description: `IAM sandbox start-up, and ListUsers/CreateAccessKey req/s with ${USERS} users`,
  async run(log) {
    const rows = await startupRows(log);
    const server = await startSandboxProcess(['--seed-users', String(USERS), '--json'], 60_000);
    try {
      const printed = JSON.parse(server.firstLine) as Printed;
      const credentials = {
        accessKeyId: printed.accessKeyId,
        secretAccessKey: printed.secretAccessKey,
      };
      const iam = new IAMClient({ region: 'us-east-1', endpoint: printed.endpoint, credentials });
      const markers: Array<string | undefined> = [];
      const userNames: string[] = [];
      let marker: string | undefined;
      const sdkStart = performance.now();
      let sdkPages = 0;
      do {
        markers.push(marker);
        const page = await iam.send(new ListUsersCommand({ MaxItems: 100, Marker: marker }));
        userNames.push(...(page.Users ?? []).map((u) => u.UserName ?? ''));
        marker = page.Marker;
        sdkPages += 1;
      } while (marker !== undefined);
      log(
        `walked ${userNames.length} users in ${sdkPages} pages in ${(performance.now() - sdkStart).toFixed(0)} ms`,
      );
      // The same pages through the SDK itself, 16 at a time, from this one process.
      let sdkSent = 0;
      const sdkDeadline = performance.now() + DURATION_MS;
      const sdkLoopStart = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, lane) => {
          for (let i = lane; performance.now() < sdkDeadline; i += CONCURRENCY) {
            await iam.send(
              new ListUsersCommand({ MaxItems: 100, Marker: markers[i % markers.length] }),
            );
            sdkSent += 1;
          }
        }),
      );
      const sdkPerSecond = sdkSent / ((performance.now() - sdkLoopStart) / 1000);
      iam.destroy();
      log(`ListUsers through the SDK, 1 process: ${sdkPerSecond.toFixed(0)} req/s`);
      rows.push({
        measure: 'ListUsers req/s, 1 SDK client process',
        value: sdkPerSecond,
        unit: 'req/s',
        notes: `@aws-sdk/client-iam in the bench process, ${CONCURRENCY} calls in flight, pages of 100, ${DURATION_MS / 1000} s (the client's XML parsing is the limit)`,
      });

      const listRequests = markers.map((m) => ({
        Action: 'ListUsers',
        Version: '2010-05-08',
        MaxItems: '100',
        ...(m === undefined ? {} : { Marker: m }),
      }));
      for (const processes of CLIENT_PROCESS_COUNTS) {
        const result = await load(
          {
            endpoint: printed.endpoint,
            credentials,
            mode: 'loop',
            durationMs: DURATION_MS,
            concurrency: CONCURRENCY,
          },
          Array.from({ length: processes }, () => listRequests),
        );
        log(`ListUsers with ${processes} client process(es): ${result.perSecond.toFixed(0)} req/s`);
        rows.push({
          measure: `ListUsers req/s, ${processes} client process(es)`,
          value: result.perSecond,
          unit: 'req/s',
          notes: `pages of 100 of ${USERS} users; ${CONCURRENCY} connections each; ${DURATION_MS / 1000} s; p99 ${result.p99Ms.toFixed(1)} ms; ${statusText(result.statuses)}`,
        });
      }

      const processes = 2;
      const createRequests = userNames
        .filter((name) => name !== 'sandbox-admin')
        .map((UserName) => ({ Action: 'CreateAccessKey', Version: '2010-05-08', UserName }));
      const slices = Array.from({ length: processes }, (_, i) =>
        createRequests.filter((_, j) => j % processes === i),
      );
      const created = await load(
        {
          endpoint: printed.endpoint,
          credentials,
          mode: 'once',
          durationMs: 0,
          concurrency: CONCURRENCY,
        },
        slices,
      );
      log(
        `CreateAccessKey: ${created.perSecond.toFixed(0)} req/s (${statusText(created.statuses)})`,
      );
      rows.push({
        measure: `CreateAccessKey req/s, ${processes} client processes`,
        value: created.perSecond,
        unit: 'req/s',
        notes: `one per user of ${createRequests.length}; 409 = the user already had 2 keys; ${statusText(created.statuses)}; p99 ${created.p99Ms.toFixed(1)} ms`,
      });
    } finally {
      await server.stop();
    }
    return rows;
  },
};
