/** The deduplication ids of CONTRACT.md's table: same work, same id. */

/** `<provider>:<job name>` for provider-wide jobs. */
export function providerDedupId(provider: string, jobName: string): string {
  return `${provider}:${jobName}`;
}
