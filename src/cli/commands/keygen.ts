/** `iam-pam keygen`: prints a new master key (base64 of 32 random bytes). */
import { randomBytes } from 'node:crypto';

import type { Command } from 'commander';

import type { CommandRegistrar } from '../command-registrar.ts';

export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

export const registerKeygen: CommandRegistrar = (program: Command, run) => {
  program
    .command('keygen')
    .description('print a new master key for IAM_PAM_MASTER_KEY')
    .option('--json', 'print {"masterKey": "..."}')
    .action((options: { json?: boolean }) =>
      run(async (context) => {
        const masterKey = generateMasterKey();
        context.print({ masterKey }, { json: options.json === true, text: masterKey });
      }),
    );
};
