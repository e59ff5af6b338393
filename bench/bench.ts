/** The shape of one benchmark: a name, and a run that returns rows for the printed table. */

export interface BenchRow {
  /** What was measured, e.g. `ListUsers req/s (3 client processes)`. */
  measure: string;
  value: number;
  unit: string;
  /** How: command, sizes, client processes, errors. */
  notes: string;
}

export interface Bench {
  name: string;
  description: string;
  run(log: (line: string) => void): Promise<BenchRow[]>;
}
