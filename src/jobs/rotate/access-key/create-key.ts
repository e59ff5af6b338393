/**
 * `intent` → `create_sent` → `create` (DESIGN.md invariant 4, "create once, recover the
 * rest"). `intent` records the user's key ids before anything is created; `create_sent` the
 * moment just before the call; `create` sends CreateAccessKey exactly once (no SDK retry, a
 * deadline of its own) and hands the new secret to the step runner, which stores it as
 * `pending` in the same atomic write that records the step (invariant 1). A `create` that does
 * not find its own `create_sent` fresh in this process — a retry, a takeover, a replay — first
 * recovers: deletes the key a lost send created (recover-lost-key.ts), then creates again.
 */
import { randomUUID } from 'node:crypto';

import type { RotationStep } from '../rotation-kind.ts';
import { type AccessKeyRotationDeps, DEFAULT_CREATE_DEADLINE_MS } from './deps.ts';
import type { CreateRecord, CreateSentRecord, PlanRecord } from './journal-records.ts';
import { requireRecord } from './journal-records.ts';
import { recoverLostKey } from './recover-lost-key.ts';

export function intentStep(): RotationStep {
  return {
    name: 'intent',
    async run({ journal }) {
      // plan's listing, taken under this lease after it freed a slot: the ids before the create.
      const plan = requireRecord<PlanRecord>(journal, 'plan');
      return { record: { keyIds: plan.keyIds } };
    },
  };
}

export function createSteps(deps: AccessKeyRotationDeps): RotationStep[] {
  const deadlineMs = deps.createDeadlineMs ?? DEFAULT_CREATE_DEADLINE_MS;
  /** Sends journaled by this process whose call has not started yet. */
  const fresh = new Set<string>();
  const createSent: RotationStep = {
    name: 'create_sent',
    async run(_input, { now }) {
      const nonce = randomUUID();
      fresh.add(nonce);
      const record: CreateSentRecord = { sentAt: now().toISOString(), deadlineMs, nonce };
      return { record: { ...record } };
    },
  };
  const create: RotationStep = {
    name: 'create',
    async run(input, ports) {
      const { account, journal } = input;
      const sent = requireRecord<CreateSentRecord>(journal, 'create_sent');
      let deadline = new Date(new Date(sent.sentAt).getTime() + deadlineMs);
      let recoveredDeletedAccessKeyId: string | undefined;
      if (!fresh.delete(sent.nonce)) {
        recoveredDeletedAccessKeyId = await recoverLostKey(deps, input, ports);
        // This send's window starts at its `attempted` audit entry, written before it goes out.
        deadline = new Date(ports.now().getTime() + deadlineMs);
      }
      const key = await ports.iam.createAccessKey(account.userName, { deadline });
      deps.observe?.keyPending(1);
      const record: CreateRecord = {
        newAccessKeyId: key.accessKeyId,
        ...(recoveredDeletedAccessKeyId === undefined ? {} : { recoveredDeletedAccessKeyId }),
      };
      ports.log.info(
        { rotationId: journal.rotationId, accessKeyId: key.accessKeyId, requestId: key.requestId },
        'access key created',
      );
      return {
        record: { ...record, requestId: key.requestId, createdAt: key.createdAt?.toISOString() },
        pending: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      };
    },
  };
  return [createSent, create];
}
