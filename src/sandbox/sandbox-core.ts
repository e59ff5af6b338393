/** Everything a request handler needs: the account, id and marker makers, faults and the log. */
import type { Logger } from 'pino';

import type { HeldResponses } from './admin/held-responses.ts';
import type { RequestLog } from './admin/request-log.ts';
import type { SigningKeys } from './auth/sigv4.ts';
import type { FaultEngine } from './faults/fault-engine.ts';
import type { MarkerCodec } from './rules/pagination.ts';
import type { AccountState } from './state/account-state.ts';
import type { IdGenerator } from './state/ids.ts';

export interface SandboxCore {
  state: AccountState;
  ids: IdGenerator;
  markers: MarkerCodec;
  faults: FaultEngine;
  log: RequestLog;
  held: HeldResponses;
  /** SigV4 signing keys derived so far (per secret, day, region, service). */
  signingKeys: SigningKeys;
  /** ms since the epoch. */
  clock(): number;
  usersPerAccount: number;
  logger: Logger | undefined;
}
