/**
 * Requests held by the holdBefore fault, and responses held by holdAfter, until
 * `POST /_sandbox/release/{seq}` lets them go on.
 */

export interface HeldResponses {
  hold(seq: number, send: () => void): void;
  /** Sends the held response; false when nothing is held under `seq`. */
  release(seq: number): boolean;
  releaseAll(): void;
  readonly size: number;
}

export function createHeldResponses(): HeldResponses {
  const held = new Map<number, () => void>();
  return {
    hold(seq, send) {
      held.set(seq, send);
    },
    release(seq) {
      const send = held.get(seq);
      if (send === undefined) {
        return false;
      }
      held.delete(seq);
      send();
      return true;
    },
    releaseAll() {
      for (const seq of [...held.keys()]) {
        this.release(seq);
      }
    },
    get size() {
      return held.size;
    },
  };
}
