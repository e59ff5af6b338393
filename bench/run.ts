/**
 * `npm run bench [-- name…]`: runs the registered benchmarks (all by default) and prints one
 * table. Add a benchmark by writing a `Bench` and listing it in BENCHES.
 */
import { availableParallelism, loadavg } from 'node:os';

import type { Bench, BenchRow } from './bench.ts';
import { discoveryBench } from './discovery-bench.ts';
import { engineBench } from './engine-bench.ts';
import { heartbeatBench } from './heartbeat-bench.ts';
import { rotationBench } from './rotation-bench.ts';
import { sandboxBench } from './sandbox-bench.ts';

const BENCHES: readonly Bench[] = [
  sandboxBench,
  engineBench,
  discoveryBench,
  heartbeatBench,
  rotationBench,
];

function table(rows: Array<BenchRow & { bench: string }>): string {
  const cells = rows.map((r) => [
    r.bench,
    r.measure,
    r.value >= 100 ? r.value.toFixed(0) : r.value >= 10 ? r.value.toFixed(1) : r.value.toFixed(2),
    r.unit,
    r.notes,
  ]);
  const header = ['bench', 'measure', 'value', 'unit', 'notes'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((cell, i) => (i === 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join(
    '\n',
  );
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !BENCHES.some((b) => b.name === name));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown bench ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}\n`,
  );
  process.exit(2);
}
const rows: Array<BenchRow & { bench: string }> = [];
for (const bench of BENCHES.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
  // Other work on the machine skews every figure: say how busy it was.
  process.stderr.write(
    `== ${bench.name}: ${bench.description} (load average ${loadavg()[0]?.toFixed(2) ?? '?'}, ${availableParallelism()} cores)\n`,
  );
  for (const row of await bench.run((text) => process.stderr.write(`   ${text}\n`))) {
    rows.push({ ...row, bench: bench.name });
  }
}
process.stdout.write(`${table(rows)}\n`);
// Benches may leave sockets to servers they stopped: the table is out, so end here.
process.exit(0);
