/** Process entry: the only module that reads process.env and calls process.exit. */
import { runCli } from './cli/program.ts';
import { stopWhenParentExits } from './stop-with-parent.ts';

// The SDK warns on every start that it will need Node 22 in 2027; the README says so once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// npm sets npm_command for what it runs (`npx`, `npm run`, `npm exec`): see stop-with-parent.ts.
if (process.env.npm_command !== undefined) {
  stopWhenParentExits(process);
}

// Started with an IPC channel (the demo's workers): the parent's end, even a SIGKILL, closes it.
if (process.channel !== undefined) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(
    `iam-pam: fatal: unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}\n`,
  );
  process.exit(1);
});

const exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  process,
  // The script as started (src/main.ts through tsx, dist/main.js, bin/iam-pam.js) and node's flags.
  self: { command: process.execPath, args: [...process.execArgv, process.argv[1] ?? ''] },
});
process.exit(exitCode);
