/** `iam-pam vault rekey`: re-encrypt the vault from the previous master key to the current one. */
import type { Command } from 'commander';

import { rekeyVault } from '../../vault/rekey.ts';
import type { CommandRegistrar } from '../command-registrar.ts';

export const registerVault: CommandRegistrar = (program: Command, run) => {
  const vault = program.command('vault').description('the encrypted secret store');
  vault
    .command('rekey')
    .description(
      're-encrypt everything from IAM_PAM_MASTER_KEY_PREVIOUS to IAM_PAM_MASTER_KEY (workers keep running with both)',
    )
    .option('--json', 'JSON report')
    .action((options: { json?: boolean }) =>
      run(async (context) => {
        const domain = await context.domain();
        const keyring = await domain.unlockVault();
        const report = await rekeyVault(
          {
            redis: domain.redis,
            keys: domain.keys,
            keyring,
            audit: domain.audit,
            actor: context.actor,
          },
          (done, total) => {
            if (done === total || done % 100 === 0) {
              context.progress(`rekey: ${done}/${total} secret owners`);
            }
          },
        );
        const text = `re-encrypted ${report.reencrypted} version(s) of ${report.owners} owner(s) in ${report.passes} pass(es), the last finding nothing left under the previous key; ${report.alreadyCurrent} already under the current key${report.unreadable.length ? `; ${report.unreadable.length} UNREADABLE, left as they are: ${report.unreadable.map((u) => u.owner).join(', ')}` : ''}`;
        context.print(report, { json: options.json === true, text });
        return report.unreadable.length > 0 ? 1 : 0;
      }),
    );
};
