/**
 * A load-generating client process for the sandbox benchmark. Reads a job (JSON) on stdin,
 * signs every request up front with the SDK's signer, waits for the common start time, then
 * fires them over keep-alive HTTP and prints one JSON line of results on stdout.
 */
import { Agent, request } from 'node:http';

import { signQueryRequest, type SignedQueryRequest } from '../test/support/sign-query-request.ts';

export interface LoadJob {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Query parameters of each request to sign (Action, Version, …). */
  requests: Array<Record<string, string>>;
  /** `loop`: cycle through the requests until `durationMs` ends; `once`: send each once. */
  mode: 'loop' | 'once';
  durationMs: number;
  concurrency: number;
  /** ms since the epoch at which every client starts firing. */
  startAt: number;
}

export interface LoadResult {
  sent: number;
  seconds: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
}

function send(agent: Agent, signed: SignedQueryRequest): Promise<number> {
  const url = new URL(signed.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: signed.method,
        path: '/',
        headers: signed.headers,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(signed.body);
  });
}

async function runJob(job: LoadJob): Promise<LoadResult> {
  const signed: SignedQueryRequest[] = [];
  for (const params of job.requests) {
    signed.push(
      await signQueryRequest({
        endpoint: job.endpoint,
        service: 'iam',
        credentials: job.credentials,
        params,
      }),
    );
  }
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, job.startAt - Date.now())));
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + job.durationMs;
  let next = 0;
  const worker = async () => {
    for (;;) {
      if (job.mode === 'once' ? next >= signed.length : performance.now() >= deadline) {
        return;
      }
      const item = signed[next % signed.length];
      next += 1;
      if (item === undefined) {
        return;
      }
      const t0 = performance.now();
      const status = await send(agent, item).catch(() => 0);
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { sent: latencies.length, seconds, statuses, p50Ms: at(0.5), p99Ms: at(0.99) };
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk as Buffer);
}
const result = await runJob(JSON.parse(Buffer.concat(chunks).toString('utf8')) as LoadJob);
process.stdout.write(`${JSON.stringify(result)}\n`);
