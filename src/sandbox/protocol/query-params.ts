/**
 * The Query protocol's parameters: `Name=value` pairs, lists as `Name.member.N` and structures
 * in lists as `Name.member.N.Field` (1-based); a bare `Name=` is an empty list (iam-api.md §1).
 */

export interface QueryParams {
  /** Every parameter as sent, in arrival order (the request log copies it). */
  readonly entries: ReadonlyMap<string, string>;
  get(name: string): string | undefined;
  /** `undefined` when the list is absent; `[]` for a bare `Name=`. */
  list(name: string): string[] | undefined;
  /** A list of structures; a missing field is `undefined` (so "null" can be reported). */
  structList<F extends string>(
    name: string,
    fields: readonly F[],
  ): Array<Record<F, string | undefined>> | undefined;
}

/** Indexes `Name.member.N[.Field]` once, so lookups do not rescan every key. */
function indexMembers(entries: Map<string, string>): Map<string, Set<number>> {
  const byList = new Map<string, Set<number>>();
  for (const key of entries.keys()) {
    const at = key.indexOf('.member.');
    if (at <= 0) {
      continue;
    }
    const list = key.slice(0, at);
    const rest = key.slice(at + '.member.'.length);
    const dot = rest.indexOf('.');
    const index = Number(dot === -1 ? rest : rest.slice(0, dot));
    if (!Number.isInteger(index) || index < 1) {
      continue;
    }
    let members = byList.get(list);
    if (members === undefined) {
      members = new Set();
      byList.set(list, members);
    }
    members.add(index);
  }
  return byList;
}

export function parseQueryParams(...sources: string[]): QueryParams {
  const entries = new Map<string, string>();
  for (const source of sources) {
    for (const [key, value] of new URLSearchParams(source)) {
      entries.set(key, value);
    }
  }
  let members: Map<string, Set<number>> | undefined;
  const indexes = (name: string): number[] | undefined => {
    members ??= indexMembers(entries);
    const found = members.get(name);
    if (found === undefined) {
      return entries.has(name) ? [] : undefined;
    }
    return [...found].sort((a, b) => a - b);
  };
  return {
    entries,
    get: (name) => entries.get(name),
    list(name) {
      return indexes(name)?.map((i) => entries.get(`${name}.member.${i}`) ?? '');
    },
    structList(name, fields) {
      return indexes(name)?.map((i) => {
        const record = {} as Record<(typeof fields)[number], string | undefined>;
        for (const field of fields) {
          record[field] = entries.get(`${name}.member.${i}.${field}`);
        }
        return record;
      });
    },
  };
}
