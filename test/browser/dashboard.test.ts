/**
 * The Bull dashboard as an operator uses it, on a running api, worker and IAM sandbox with jobs
 * in every state (test/support/dashboard-scene.ts): every route of its API probed for a reader
 * and an admin, then every view opened in a real browser, each saved as a screenshot under
 * artifacts/dashboard/. Views and routes come from the app's queues and jobs and from
 * bull-board's own route table, less the views iam-pam switches off (SWITCHED_OFF_VIEWS).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { appRoutes } from '@bull-board/api/dist/routes.js';
import { STATUSES } from '@bull-board/api/constants/statuses';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DASHBOARD_CSP, DASHBOARD_PATH } from '../../src/http/dashboard.ts';
import { QUEUE_NAMES, type QueueName } from '../../src/jobs/queues.ts';
import { browserAvailability, launchChromium } from '../support/chromium.ts';
import {
  type DashboardLogin,
  type DashboardScene,
  LOGINS,
  startDashboardScene,
} from '../support/dashboard-scene.ts';
import {
  dashboardViews,
  expectNoChanges,
  openView,
  switchedOff,
} from '../support/dashboard-views.ts';
import { useTestRedis } from '../support/redis.ts';
import { openWatchedPage } from '../support/watched-page.ts';

const t = useTestRedis();
let scene: DashboardScene;
beforeAll(async () => {
  scene = await startDashboardScene({ redisUrl: t.url, prefix: t.prefix });
});
afterAll(async () => {
  await scene?.close();
});

const SCREENSHOTS = 'artifacts/dashboard';
const jobsOf = (queue: QueueName) => scene.jobs.filter((job) => job.queue === queue);

/**
 * Every address a route pattern stands for in this scene, with the status it must get (a job
 * that does not exist: anything but a 5xx; bull-board answers some such reads with 200).
 */
function expand(route: string): Array<{ path: string; status: number | 'not 5xx' }> {
  const off = switchedOff(route);
  let paths = [route];
  if (route.includes(':queueName')) {
    paths = QUEUE_NAMES.flatMap((queue) => {
      const withQueue = route.replace(':queueName', encodeURIComponent(queue));
      return route.includes(':jobId')
        ? [...jobsOf(queue).map((job) => job.jobId), 'no-such-job'].map((id) =>
            withQueue.replace(':jobId', encodeURIComponent(id)),
          )
        : [withQueue];
    });
  }
  return paths.map((path) => ({
    path: path.replace(':schedulerId', 'no-such-scheduler'),
    status: off !== undefined ? 404 : path.includes('no-such-job') ? 'not 5xx' : 200,
  }));
}

async function get(path: string, login: DashboardLogin) {
  const response = await fetch(`${scene.url}${DASHBOARD_PATH}${path}`, {
    headers: { authorization: `Bearer ${login.token}` },
  });
  return {
    status: response.status,
    csp: response.headers.get('content-security-policy'),
    body: await response.text(),
  };
}

describe('the dashboard API', () => {
  it('answers every read route in every job state, to a reader and an admin, without a 5xx or a secret, under its CSP', async () => {
    const reads = appRoutes.api
      .filter((route) => [route.method].flat().includes('get'))
      .flatMap((route) => [route.route].flat())
      .flatMap(expand);
    // The queue list, once per queue and status: the view of one queue in one state.
    for (const queue of QUEUE_NAMES) {
      for (const status of Object.values(STATUSES)) {
        reads.push({
          path: `/api/queues?activeQueue=${encodeURIComponent(queue)}&status=${status}&page=1&jobsPerPage=10`,
          status: 200,
        });
      }
    }
    const pages = [appRoutes.entryPoint.route].flat().flatMap(expand);
    const wrong: string[] = [];
    for (const login of LOGINS) {
      for (const { path, status } of [...reads, ...pages]) {
        const answer = await get(path, scene.logins[login]);
        if (status === 'not 5xx' ? answer.status >= 500 : answer.status !== status) {
          wrong.push(
            `${login} GET ${path}: ${answer.status} (not ${status}) ${answer.body.slice(0, 200)}`,
          );
        }
        if (answer.csp !== DASHBOARD_CSP) {
          wrong.push(`${login} GET ${path}: Content-Security-Policy ${answer.csp}`);
        }
        if (/(href|src)="(https?:)?\/\//.test(answer.body)) {
          wrong.push(`${login} GET ${path}: links to another origin`);
        }
        const leaked = scene.secrets.filter((secret) => answer.body.includes(secret));
        if (leaked.length > 0) {
          wrong.push(`${login} GET ${path}: shows ${leaked.length} secret(s)`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(reads.length).toBeGreaterThan(100);
  });

  it('refuses a reader every change (403), and the jobs stay as they were', async () => {
    const before = await Promise.all(QUEUE_NAMES.map((q) => scene.queues.get(q).getJobCounts()));
    const changes = appRoutes.api
      .flatMap((route) =>
        [route.method].flat().map((method) => ({ method, routes: [route.route].flat() })),
      )
      .filter(({ method }) => method !== 'get')
      .flatMap(({ method, routes }) =>
        routes.flatMap(expand).map((address) => ({ method, ...address })),
      );
    const wrong: string[] = [];
    for (const { method, path, status } of changes) {
      const response = await fetch(`${scene.url}${DASHBOARD_PATH}${path}`, {
        method: method.toUpperCase(),
        headers: {
          authorization: `Bearer ${scene.logins.reader.token}`,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      const expected = status === 404 ? 404 : 403;
      if (response.status !== expected) {
        wrong.push(`${method} ${path}: ${response.status} (not ${expected})`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await Promise.all(QUEUE_NAMES.map((q) => scene.queues.get(q).getJobCounts()))).toEqual(
      before,
    );
  });
});

const browser = browserAvailability();

// The two walks overlap, in one browser: most of each is waiting for the page.
describe.concurrent('the dashboard in a browser', () => {
  let chromium: Browser | undefined;
  beforeAll(async () => {
    if (!browser.skip) {
      chromium = await launchChromium();
    }
  });
  afterAll(async () => {
    await chromium?.close();
  });

  for (const login of LOGINS) {
    it.skipIf(browser.skip)(
      `shows every view to ${login === 'reader' ? 'a reader (read-only)' : 'an admin'}: no failed request, console error, outside request or secret${browser.label}`,
      async () => {
        const folder = join(SCREENSHOTS, login);
        rmSync(folder, { recursive: true, force: true });
        mkdirSync(folder, { recursive: true });
        if (chromium === undefined) {
          throw new Error('the browser did not start');
        }
        const watched = await openWatchedPage(chromium, {
          origin: scene.url,
          login: scene.logins[login],
          secrets: scene.secrets,
        });
        try {
          const { page } = watched;
          const views = await dashboardViews(scene);
          for (const [index, view] of views.entries()) {
            await openView(watched, scene.url, view, index === 0);
            await view.then?.(page, login);
            if (login === 'reader') {
              await expectNoChanges(page);
            }
            await page.screenshot({
              path: join(folder, `${String(index + 1).padStart(2, '0')}-${view.name}.png`),
            });
            expect(await watched.problems(), view.name).toEqual([]);
          }
        } finally {
          await watched.close();
        }
      },
    );
  }
});
