/**
 * `npx iam-pam` runs the built dist/ (bin/iam-pam.js), as the README says. Before the tests that
 * run it, this builds dist/ when any file under src/ is newer than it (CI's `npm ci` has just
 * built it; a developer who edited src/ gets a fresh build, not a test of stale code).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

export default function setup(): void {
  const built = join(ROOT, 'dist', 'main.js');
  const stale = !existsSync(built) || newestMtimeMs(join(ROOT, 'src')) > statSync(built).mtimeMs;
  if (stale) {
    process.stderr.write('[test harness] dist/ is older than src/: npm run build\n');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}
