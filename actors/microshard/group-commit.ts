/**
 * Group commit: write requests that arrive while a group is being committed wait and go
 * together in the next group, so N concurrent writers cost one LMDB fsync per group instead
 * of N. An idle shard commits a lone write at once (no added latency); under load the group
 * grows by itself, up to `maxGroupOperations`.
 * @module
 */
import type { ItemResult } from '../../messages/index.js';
import type { WriteOperation } from '../../storage/index.js';

/** Commits one group; results carry the group's positions (0..n-1). */
export type CommitGroup = (operations: WriteOperation[]) => Promise<ItemResult[]>;

interface Waiting {
  readonly operations: readonly WriteOperation[];
  readonly resolve: (results: ItemResult[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Counters of a committer. */
export interface GroupCommitSnapshot {
  /** Operations waiting for the next group. */
  readonly waitingOperations: number;
  readonly groupsCommitted: number;
  readonly operationsCommitted: number;
}

/** Collects write operations into groups and commits one group at a time. */
export class GroupCommitter {
  private waiting: Waiting[] = [];
  private waitingOperations = 0;
  private committing = false;
  private groupsCommitted = 0;
  private operationsCommitted = 0;

  constructor(
    private readonly commit: CommitGroup,
    private readonly maxGroupOperations = 5000,
  ) {}

  /**
   * Queues operations (positions are the caller's) and resolves with their results, in the
   * caller's positions, once their group is durable and visible.
   */
  submit(operations: readonly WriteOperation[]): Promise<ItemResult[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ operations, resolve, reject });
      this.waitingOperations += operations.length;
      if (!this.committing) void this.drain();
    });
  }

  /** Counters for health and metrics. */
  snapshot(): GroupCommitSnapshot {
    return {
      waitingOperations: this.waitingOperations,
      groupsCommitted: this.groupsCommitted,
      operationsCommitted: this.operationsCommitted,
    };
  }

  private async drain(): Promise<void> {
    this.committing = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.takeGroup();
        await this.commitGroup(group);
      }
    } finally {
      this.committing = false;
    }
  }

  private takeGroup(): Waiting[] {
    const group: Waiting[] = [];
    let size = 0;
    // Always take at least one request, even a batch larger than the group limit.
    while (
      this.waiting.length > 0 &&
      (group.length === 0 || size + this.waiting[0]!.operations.length <= this.maxGroupOperations)
    ) {
      const next = this.waiting.shift()!;
      group.push(next);
      size += next.operations.length;
    }
    this.waitingOperations -= size;
    return group;
  }

  private async commitGroup(group: Waiting[]): Promise<void> {
    const operations: WriteOperation[] = [];
    for (const request of group) {
      for (const operation of request.operations)
        operations.push({ ...operation, position: operations.length });
    }
    let results: ItemResult[];
    try {
      results = await this.commit(operations);
    } catch (error) {
      for (const request of group) request.reject(error);
      return;
    }
    this.groupsCommitted++;
    this.operationsCommitted += operations.length;
    const byPosition = new Map(results.map((result) => [result.position, result]));
    let offset = 0;
    for (const request of group) {
      const own: ItemResult[] = [];
      request.operations.forEach((operation, index) => {
        const result = byPosition.get(offset + index);
        own.push(
          result === undefined
            ? {
                ok: false,
                position: operation.position,
                id: operation.id,
                error: { type: 'Error', code: 'INTERNAL_ERROR', message: 'the store returned no result' },
              }
            : { ...result, position: operation.position },
        );
      });
      offset += request.operations.length;
      request.resolve(own);
    }
  }
}
