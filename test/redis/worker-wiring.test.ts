/**
 * How a process wires its job types: a job name declared twice stops the worker, the api and
 * the operator's commands at start; a queue no job is bound to gets no worker.
 */
import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { startApiRuntime } from '../../src/app/api-runtime.ts';
import { startWorkerRuntime } from '../../src/app/worker-runtime.ts';
import { withProducerSession } from '../../src/cli/producer-session.ts';
import { createLogger } from '../../src/logger.ts';
import type { JobBinding } from '../../src/workers/bind-handlers.ts';
import { useEngine } from '../support/engine.ts';
import { createTestJobs, testEcho } from '../support/test-jobs.ts';

interface LogLine {
  msg: string;
  queues?: string[];
}
const lines: LogLine[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().trim().split('\n')) {
      lines.push(JSON.parse(line) as LogLine);
    }
    done();
  },
});

const onlyEcho = (bindings: JobBinding[]) =>
  bindings.filter((binding) => binding.contract.name === testEcho.name);

// Only test-echo (queue validate) is bound here.
const engine = useEngine({
  log: createLogger({ level: 'info', stream: 'stderr', destination: sink }),
  createJobs: (deps) => onlyEcho(createTestJobs(deps)),
});
const declaredTwice = /job "test-echo" is declared twice \(queues validate and validate\)/;

describe('worker wiring', () => {
  it('starts no worker for a queue no job is bound to, and says so once', async () => {
    expect(engine.runtime().workers.queues).toEqual(['validate']);
    expect(lines.filter((line) => line.msg.startsWith('no job is bound'))).toEqual([
      expect.objectContaining({ queues: ['discovery', 'heartbeat', 'rotation'] }),
    ]);
    const added = await engine.queues.get('rotation').add('test-locked', { provider: 'prod' });
    // A job added after it to the served queue has run (a rotation worker, started with the
    // validate one, would have taken it by then); it still waits.
    await engine.finished(await engine.enqueue(testEcho, { provider: 'prod', key: 'after' }));
    expect(await added.getState()).toBe('waiting');
  });

  it('stops a worker at start when two job types share a name', async () => {
    await expect(
      startWorkerRuntime({
        config: engine.config,
        log: engine.log,
        createJobs: (deps) => {
          const bindings = createTestJobs(deps);
          return [...bindings, ...onlyEcho(bindings)];
        },
      }),
    ).rejects.toThrow(declaredTwice);
  });

  it('stops the api and an operator command at start when two contracts share a name', async () => {
    await expect(
      startApiRuntime({
        config: engine.config,
        log: engine.log,
        contracts: [testEcho, { ...testEcho }],
        listen: false,
      }),
    ).rejects.toThrow(declaredTwice);
    let ran = false;
    await expect(
      withProducerSession(engine.config, engine.log, [testEcho, { ...testEcho }], async () => {
        ran = true;
      }),
    ).rejects.toThrow(declaredTwice);
    expect(ran).toBe(false);
  });
});
