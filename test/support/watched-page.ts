/**
 * A browser page that notes everything an operator would call broken or leaking: any 4xx/5xx
 * answer, console error or uncaught exception, any request that would leave the api's origin
 * (aborted, so nothing leaves 127.0.0.1), and any secret in a response body or in the page.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface WatchedPage {
  page: Page;
  /** What went wrong since the last call, once every response seen so far has been read. */
  problems(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openWatchedPage(
  browser: Browser,
  options: {
    origin: string;
    login: { name: string; token: string };
    secrets: readonly string[];
  },
): Promise<WatchedPage> {
  const context: BrowserContext = await browser.newContext({
    httpCredentials: {
      username: options.login.name,
      password: options.login.token,
      send: 'always',
    },
    viewport: { width: 1280, height: 800 },
  });
  let problems: string[] = [];
  let reading: Array<Promise<void>> = [];
  const readAssets = new Set<string>();
  const findSecrets = (text: string, where: string) => {
    for (const secret of options.secrets) {
      if (text.includes(secret)) {
        problems.push(`a secret (${secret.slice(0, 4)}…) in ${where}`);
      }
    }
  };

  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin === options.origin && url.hostname === '127.0.0.1') {
      return route.continue();
    }
    problems.push(`a request off ${options.origin}: ${url.href}`);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`uncaught in the page: ${error.message}`));
  page.on('response', (response) => {
    const url = new URL(response.url());
    const where = `${response.request().method()} ${url.pathname}${url.search}`;
    if (response.status() >= 400) {
      problems.push(`${response.status()} for ${where}`);
    }
    if (response.status() >= 300 && response.status() < 400) {
      return; // a redirect has no body; what it leads to is read in turn
    }
    // The board's own scripts and styles are the same files every time: read each once.
    if (url.pathname.includes('/static/')) {
      if (readAssets.has(url.pathname)) {
        return;
      }
      readAssets.add(url.pathname);
    }
    reading.push(
      response.text().then(
        (body) => findSecrets(body, `the answer to ${where}`),
        (err: Error) => {
          problems.push(`the answer to ${where} could not be read: ${err.message}`);
        },
      ),
    );
  });

  return {
    page,
    async problems() {
      while (reading.length > 0) {
        const batch = reading;
        reading = [];
        await Promise.all(batch);
      }
      findSecrets(await page.content(), `the page ${page.url()}`);
      const found = problems;
      problems = [];
      return found;
    },
    close: () => context.close(),
  };
}
