/** A sorted list of names with binary-search insert, remove and "first after", for paging. */

export interface SortedNames {
  readonly size: number;
  insert(name: string): void;
  remove(name: string): void;
  /** Index of the first name strictly greater than `name` (0 when undefined). */
  indexAfter(name: string | undefined): number;
  at(index: number): string | undefined;
  clear(): void;
}

/**
 * Holds lower-cased user names: IAM treats names case-insensitively, and ListUsers pages must
 * resume after a name cheaply with 10,000 users (a binary search, not a scan).
 */
export function createSortedNames(): SortedNames {
  const names: string[] = [];
  const lowerBound = (name: string): number => {
    let lo = 0;
    let hi = names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((names[mid] ?? '') < name) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  };
  return {
    get size() {
      return names.length;
    },
    insert(name) {
      const at = lowerBound(name);
      if (names[at] !== name) {
        names.splice(at, 0, name);
      }
    },
    remove(name) {
      const at = lowerBound(name);
      if (names[at] === name) {
        names.splice(at, 1);
      }
    },
    indexAfter(name) {
      if (name === undefined) {
        return 0;
      }
      const at = lowerBound(name);
      return names[at] === name ? at + 1 : at;
    },
    at: (index) => names[index],
    clear() {
      names.length = 0;
    },
  };
}
