/**
 * The sandbox's `--write-env-file` (not `--env-file`: Node 20 takes that flag wherever it stands): its `export AWS_…=` lines, written whole (a temporary file renamed
 * into place, so a shell polling for the file never reads half of it), readable by its owner
 * only (it holds the sandbox's throwaway admin key), and removed when the sandbox stops so a
 * stale file never names a sandbox that is gone.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

import { invalidInput } from '../../errors.ts';

export function writeEnvFile(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${text}\n`, { mode: 0o600 });
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw invalidInput(
      `--write-env-file ${path}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); name a file in a directory that exists and is writable`,
    );
  }
}

export function removeEnvFile(path: string): void {
  rmSync(path, { force: true });
}
