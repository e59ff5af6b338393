/**
 * The views of the Bull dashboard an operator opens, built from the scene's queues and jobs and
 * from bull-board's own pages: what each must show, how to reach it as the board's links do,
 * and the buttons that tell an admin's board from a reader's.
 */
import { appRoutes } from '@bull-board/api/dist/routes.js';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

import { DASHBOARD_PATH, SWITCHED_OFF_VIEWS } from '../../src/http/dashboard.ts';
import { QUEUE_NAMES, type QueueName } from '../../src/jobs/queues.ts';
import { PRODUCTION_SAMPLES } from './dashboard-jobs.ts';
import type { BoardStatus, DashboardScene, LoginName, SceneJob } from './dashboard-scene.ts';
import type { WatchedPage } from './watched-page.ts';

/** The view switched off for a route (bull-board's pattern or an address), if any. */
export const switchedOff = (route: string) =>
  SWITCHED_OFF_VIEWS.find((view) => view.routes.test(route));

/** One page of the dashboard, what it must show, and what to do on it once it shows it. */
export interface View {
  name: string;
  path: string;
  /** The answer of the board's API that the page is drawn from. */
  drawnFrom: (api: URL) => boolean;
  shows: Array<string | RegExp>;
  then?: (page: Page, login: LoginName) => Promise<void>;
}

const queueList =
  (queue: string | undefined, status = 'latest') =>
  (api: URL) =>
    api.pathname.endsWith('/api/queues') &&
    (api.searchParams.get('activeQueue') ?? undefined) === queue &&
    (queue === undefined || (api.searchParams.get('status') ?? 'latest') === status);

const BOARD_STATUSES: readonly BoardStatus[] = [
  'active',
  'waiting',
  'delayed',
  'completed',
  'failed',
];

/** What an admin can do and a reader cannot: job, queue and scheduler actions, queue menus. */
const CHANGES = {
  jobActions: 'ul[class*="jobActions"] button',
  schedulerActions: 'button[aria-label="Run now"], button[aria-label="Remove scheduler"]',
  queueActions: 'button:text-matches("^(Retry all|Clean all|Promote all)$")',
  queueMenus: 'button[aria-haspopup="menu"][class*="trigger"]',
};

export async function expectNoChanges(page: Page) {
  const anyChange = Object.values(CHANGES)
    .map((selector) => page.locator(selector))
    .reduce((all, one) => all.or(one));
  expect(await anyChange.count(), `buttons that change things on ${page.url()}`).toBe(0);
}

/** The board shows a number id as `#7`, any other id as it is. */
/** The board lists 10 jobs a page. */
const BOARD_PAGE_SIZE = 10;

/**
 * The jobs a list view must show: all of them when they fit on its first page; else none by
 * name (which 10 come first is the board's choice) — its counts still hold, and each job type's
 * and each state's own page is opened too.
 */
function onOnePage(jobs: readonly SceneJob[]): readonly SceneJob[] {
  return jobs.length <= BOARD_PAGE_SIZE ? jobs : [];
}

function shownId(jobId: string): string {
  return /^\d+$/.test(jobId) ? `#${jobId}` : jobId;
}

/**
 * The jobs whose own page is opened: every production job type's, and one of each state in
 * each queue (the first, so the upstream jobs with logs and secrets come first).
 */
function jobsToOpen(jobs: readonly SceneJob[]): SceneJob[] {
  const production = new Set(Object.keys(PRODUCTION_SAMPLES));
  const seen = new Set<string>();
  return jobs.filter((job) => {
    const state = `${job.queue}/${job.status}`;
    const open = production.has(job.name) || !seen.has(state);
    seen.add(state);
    return open;
  });
}

/** Every view, in the order an operator meets them: overview, pages, queues, jobs. */
export async function dashboardViews(scene: DashboardScene): Promise<View[]> {
  const countsOf = (queue: QueueName) => scene.queues.get(queue).getJobCounts();
  const jobsOf = (queue: QueueName) => scene.jobs.filter((job) => job.queue === queue);
  const all: View[] = [];
  const totals = await Promise.all(
    QUEUE_NAMES.map(async (queue) =>
      Object.values(await countsOf(queue)).reduce((sum, n) => sum + n, 0),
    ),
  );
  all.push({
    name: 'overview',
    path: '',
    drawnFrom: queueList(undefined),
    shows: QUEUE_NAMES.map((queue, i) => new RegExp(`${queue}[\\s\\S]*?${totals[i]} Jobs?`)),
    then: async (page, login) => {
      if (login === 'admin') {
        // Each queue has its menu (pause, empty, …); opening one shows them.
        await expect
          .poll(() => page.locator(CHANGES.queueMenus).count(), { timeout: 10_000 })
          .toBe(QUEUE_NAMES.length);
        await page.locator(CHANGES.queueMenus).first().click();
        await page.getByRole('menuitem', { name: /^(Pause|Resume)$/ }).waitFor();
        await page.keyboard.press('Escape');
      }
    },
  });
  // The board's other pages that are not switched off: each must load cleanly and show what
  // is behind it (the job-scheduler page: every scheduler of the scene's provider).
  for (const page of [appRoutes.entryPoint.route].flat()) {
    if (page !== '/' && !page.includes(':') && switchedOff(page) === undefined) {
      const schedulers = page === '/job-schedulers';
      all.push({
        name: `page${page.replaceAll('/', '-')}`,
        path: page,
        drawnFrom: (api) =>
          schedulers
            ? api.pathname.endsWith(`${DASHBOARD_PATH}/api/job-schedulers`)
            : api.pathname.includes(`${DASHBOARD_PATH}/api/`),
        shows: schedulers ? [...scene.schedulers, 'schedule-tick', /every 1d/, /every 1h/] : [],
        then: async (page, login) => {
          if (schedulers && login === 'admin') {
            // An admin may run a scheduler now (editing and removing answer 404: the policy
            // owns the schedule).
            await page.locator('button[aria-label="Run now"]').first().waitFor();
          }
        },
      });
    }
  }
  for (const queue of QUEUE_NAMES) {
    const counts = await countsOf(queue);
    const jobs = jobsOf(queue);
    all.push({
      name: `queue-${queue}`,
      path: `/queue/${encodeURIComponent(queue)}`,
      drawnFrom: queueList(queue),
      shows: [
        ...Object.entries(counts)
          .filter(([, n]) => n > 0)
          .map(([status, n]) => new RegExp(`${status.replace('-', ' ')}\\s*${n}`, 'i')),
        ...onOnePage(jobs).map((job) => shownId(job.jobId)),
        ...(scene.paused.includes(queue) ? ['Paused'] : []),
      ],
    });
    for (const status of BOARD_STATUSES) {
      const inStatus = jobs.filter((job) => job.status === status);
      if (inStatus.length === 0) {
        continue;
      }
      all.push({
        name: `queue-${queue}-${status}`,
        path: `/queue/${encodeURIComponent(queue)}?status=${status}`,
        drawnFrom: queueList(queue, status),
        shows: onOnePage(inStatus).flatMap((job) => [shownId(job.jobId), job.name, ...job.shows]),
        then: async (page, login) => {
          if (login === 'admin' && status === 'failed') {
            await page.getByRole('button', { name: 'Retry all' }).waitFor();
            await page.getByRole('button', { name: 'Clean all' }).waitFor();
          }
        },
      });
    }
  }
  for (const job of jobsToOpen(scene.jobs)) {
    all.push({
      name: `job-${job.queue}-${job.jobId}-${job.status}`,
      path: `/queue/${encodeURIComponent(job.queue)}/${encodeURIComponent(job.jobId)}`,
      drawnFrom: (api) =>
        api.pathname.endsWith(
          `/api/queues/${encodeURIComponent(job.queue)}/${encodeURIComponent(job.jobId)}`,
        ),
      shows: [shownId(job.jobId), job.name, ...job.shows],
      then: async (page, login) => {
        if (login === 'admin' && job.status === 'failed') {
          await page.locator(CHANGES.jobActions).first().waitFor();
        }
        if (job.hasLogs === true) {
          await page.getByRole('tab', { name: 'Progress' }).click();
          await page.getByText('[Redacted]').first().waitFor();
          await page.getByRole('tab', { name: 'Logs' }).click();
          await page.getByText('the new key is stored').waitFor();
          await page.getByText('SecretAccessKey=[Redacted]').waitFor();
        }
      },
    });
  }
  return all;
}

/** What the functions run in the page use of it (the tests compile without the DOM's types). */
interface InPage {
  document: { body: { innerText: string } };
  history: { pushState(state: unknown, unused: string, url: string): void };
  PopStateEvent: new (type: string) => unknown;
  dispatchEvent(event: unknown): boolean;
}

/**
 * Opens the view as the board's own links do (the first one by loading the page), waits for
 * the API answer it is drawn from, then for everything it must show.
 */
export async function openView(
  watched: WatchedPage,
  origin: string,
  view: View,
  first: boolean,
): Promise<void> {
  const { page } = watched;
  const url = `${origin}${DASHBOARD_PATH}${view.path}`;
  const drawn = page.waitForResponse((response) => view.drawnFrom(new URL(response.url())));
  if (first) {
    await page.goto(url);
  } else {
    // The board's router follows the history, as when a link is clicked.
    await page.evaluate((to) => {
      const window = globalThis as unknown as InPage;
      window.history.pushState({}, '', to);
      window.dispatchEvent(new window.PopStateEvent('popstate'));
    }, url);
  }
  await drawn;
  const patterns = view.shows.map((text) =>
    typeof text === 'string' ? { source: escapeRegExp(text), flags: '' } : text,
  );
  await page
    .waitForFunction(
      (all) => {
        const text = (globalThis as unknown as InPage).document.body.innerText;
        return all.every(({ source, flags }) => new RegExp(source, flags).test(text));
      },
      patterns.map(({ source, flags }) => ({ source, flags })),
      { timeout: 10_000, polling: 100 },
    )
    .catch(async (err: Error) => {
      const text = await page.innerText('body');
      const missing = patterns.filter(({ source, flags }) => !new RegExp(source, flags).test(text));
      const problems = await watched.problems();
      throw new Error(
        `${view.name} does not show ${missing.map((p) => `/${p.source}/`).join(', ')} (${err.message}); it shows:\n${text}\nproblems: ${problems.join('\n')}`,
      );
    });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
