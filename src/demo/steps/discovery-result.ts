/** The fields of a discovery result the demo reports (DiscoverySummary plus its counts). */
import type { DiscoverySummary } from '../../discovery/discovery-store.ts';

export type DiscoveryResult = DiscoverySummary & {
  counts: { added: number; removed: number; changed: number };
};

/** `202 users, 243 access keys, complete` (or `partial: <why>`). */
export function describeFound(result: DiscoveryResult): string {
  const outcome = result.partial
    ? `partial (${result.incomplete?.reason ?? 'cut short'})`
    : 'complete';
  return `${result.users} users, ${result.accessKeys} access keys, ${outcome}`;
}

/** `added 202, removed 0, changed 1 (alice.x.3: key_status_changed)`. */
export function describeDiff(result: DiscoveryResult): string {
  const { added, removed, changed } = result.counts;
  const shown = result.diff.changed
    .slice(0, 3)
    .map((entry) => `${entry.userName}: ${entry.change ?? 'changed'}`);
  return `added ${added}, removed ${removed}, changed ${changed}${shown.length > 0 ? ` (${shown.join(', ')})` : ''}`;
}
