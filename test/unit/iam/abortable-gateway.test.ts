import { describe, expect, it } from 'vitest';

import { TransientError } from '../../../src/errors.ts';
import { withAbortSignal } from '../../../src/iam/abortable-gateway.ts';
import type { IamGateway } from '../../../src/iam/iam-gateway.ts';

describe('withAbortSignal', () => {
  it('passes calls through until the signal aborts, then refuses to start any', async () => {
    const calls: string[] = [];
    const gateway = {
      async getUser(userName?: string) {
        calls.push(userName ?? '');
        return { userName: userName ?? '' };
      },
    } as unknown as IamGateway;
    const controller = new AbortController();
    const guarded = withAbortSignal(gateway, controller.signal);
    await expect(guarded.getUser('alice')).resolves.toMatchObject({ userName: 'alice' });
    controller.abort(new TransientError('deadline_exceeded', 'too late'));
    expect(() => guarded.getUser('bob')).toThrow('too late');
    expect(calls).toEqual(['alice']);
  });
});
