/** `provider show`'s lines about schedules: each job, its period and its next run. */
import type { ScheduleViews } from '../producers/schedules.ts';

const UNITS: ReadonlyArray<[number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1_000, 's'],
];

/** The largest whole unit: 86400000 → "1 d", 5400000 → "90 min". */
export function formatPeriod(ms: number): string {
  const [size, unit] = UNITS.find(([size]) => ms % size === 0) ?? [1, 'ms'];
  return `${ms / size} ${unit}`;
}

export function describeSchedules(schedules: ScheduleViews): string {
  return Object.entries(schedules)
    .map(([job, view]) =>
      view === null
        ? `schedule ${job}: off`
        : `schedule ${job}: every ${formatPeriod(view.everyMs)}, next run ${view.nextRunAt ?? 'not scheduled yet (start iam-pam api or worker to reconcile)'}`,
    )
    .join('\n');
}
