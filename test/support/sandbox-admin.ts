/** The sandbox's admin API over HTTP (CONTRACT.md "The sandbox's admin API"): faults and the request log. */

export interface LoggedRequest {
  seq: number;
  at: string;
  accountId: string | null;
  accessKeyId: string | null;
  action: string | null;
  status: number | null;
  code: string | null;
  attempt?: number;
}

export function sandboxAdmin(endpoint: string) {
  const admin = `${endpoint}/_sandbox`;
  return {
    async requests(since = 0): Promise<LoggedRequest[]> {
      const response = await fetch(`${admin}/requests?since=${since}`);
      return (await response.json()) as LoggedRequest[];
    },
    async lastSeq(): Promise<number> {
      const all = await this.requests(0);
      return all.at(-1)?.seq ?? 0;
    },
    async setFaults(faults: Record<string, unknown>): Promise<void> {
      const response = await fetch(`${admin}/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(faults),
      });
      if (!response.ok) {
        throw new Error(`PUT /_sandbox/faults: ${response.status} ${await response.text()}`);
      }
    },
  };
}
