/**
 * Rebalancing, on the node that holds documents it no longer owns. When the ring changes
 * (a member joined) or the node starts with a ring it has not completed a pass for, a pass
 * scans every index on every local shard in pages, routes each document with the same rule
 * as a write (schema routing field, else the stored routing key, else the id), and sends the
 * ones another node now owns to that node (`AcceptHandoff`, one batch per owner and page).
 * Only after the owner acknowledges a batch are the local copies deleted, each only at the
 * version that was sent (`ReleaseHandedOff`). The owner keeps whichever copy is newer by its
 * hybrid logical clock stamp (a copy written here after the owner took a write of the same
 * id, by a router that had not learnt of the owner yet, replaces the owner's). A batch that
 * fails (owner down, timeout) is retried a few times and otherwise left in place; the pass
 * then counts as incomplete and runs again with backoff (and at once when a peer comes
 * back). Passes are idempotent: a document still present and owned elsewhere is simply sent
 * again. Progress is logged, exported as metrics, and announced to the peers
 * (`HandoffProgress`) so their routers look for not-yet-moved documents here. See docs/CLUSTER.md, "A node that joins: rebalancing".
 * @module
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  CameoError,
  IndexNotFoundError,
  type IndexSchema,
  type DocumentsScanned,
} from '../../messages/index.js';
import type { OrchestratorReplies, OrchestratorRequest } from '../orchestrator/node-orchestrator.js';
import type { ActorRef } from '../ref.js';
import type { HashRing } from './hash-ring.js';
import { readCompletedRing, ringSignature, writeCompletedRing } from './handoff-state-file.js';
import { routeKey } from './routing-key.js';
import { sleep } from '../runtime/index.js';

type OrchestratorRef = ActorRef<OrchestratorRequest, OrchestratorReplies>;
type HandedOffDocument = DocumentsScanned['documents'][number];

/** Tunables of the handoff (defaults suit production; tests make them small). */
export interface HandoffSettings {
  /** Documents per scanned page and so at most per batch (default 500). */
  readonly batchSize?: number;
  /** Pause after each page, to bound the load a pass puts on a node (default 0). */
  readonly pageDelayMs?: number;
  /** Attempts of one batch before the pass gives up on that owner for now (default 3). */
  readonly batchAttempts?: number;
  /** First delay before an incomplete pass runs again; doubled up to 30 s (default 500). */
  readonly retryDelayMs?: number;
  /**
   * After a node's ring changes, a keyed read or delete that misses on its owner also looks
   * on every live node for this long (default 10 s): it covers the time before the nodes that
   * hold documents to move have announced their handoff. Read by the coordinator.
   */
  readonly graceMs?: number;
}

/** What a handoff needs from its coordinator. */
export interface HandoffOptions extends HandoffSettings {
  readonly nodeId: string;
  readonly shardCount: number;
  /** Where the marker of the last completed ring is kept (the node's first data path). */
  readonly dataPath: string;
  readonly logger: Logger;
  /** The node's current ring (read at every page: a ring that changes mid-pass is followed). */
  readonly ring: () => HashRing;
  /** Whether a member is up now. */
  readonly isHealthy: (nodeId: string) => boolean;
  /** The orchestrator of a node (this node's own for its id). */
  readonly orchestratorOf: (nodeId: string) => OrchestratorRef;
  /**
   * Tells the peers that this node started, progressed or finished handing off; `sequence`
   * increases with every announcement, so a peer can drop one that arrives late.
   */
  readonly announce: (active: boolean, pendingDocuments: number, sequence: number) => void;
  /** Deadline of one ask to a peer (default 5 s). */
  readonly peerTimeoutMs?: number;
  readonly metricsRegistry?: Registry;
}

/** The handoff as status reports it. */
export interface HandoffStatus {
  /** A pass is running or scheduled because the last one was incomplete. */
  readonly active: boolean;
  /**
   * Documents found to move and not acknowledged by their owner yet (the batch in flight,
   * and those waiting for an owner that is down or refused them): of the current pass so
   * far, or what the last incomplete pass left, whichever is more.
   */
  readonly pendingDocuments: number;
  /** Documents moved (acknowledged by their owner and released here) since the node started. */
  readonly handedOffDocuments: number;
}

/** How often an active handoff repeats its announcement to the peers. */
const ANNOUNCE_EVERY_MS = 5_000;
const MAX_RETRY_DELAY_MS = 30_000;
const SWEEP = 'sweep after the rings settled';

/** The rebalancing handoff of one node; started and stopped by its ClusterCoordinator. */
export class Handoff {
  private readonly batchSize: number;
  private readonly pageDelayMs: number;
  private readonly batchAttempts: number;
  private readonly retryDelayMs: number;
  private readonly peerTimeoutMs: number;
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** A pass for a new reason completed: one more (the sweep) runs after the grace period. */
  private sweepWanted = false;
  private readonly graceMs: number;
  private retryDelay: number;
  private announced = false;
  private lastAnnounceMs = 0;
  // Microseconds since the epoch at start: above any sequence an earlier run of this node sent.
  private announcements = Date.now() * 1000;
  private pending = 0;
  /** What the last incomplete pass left pending (shown until a pass gets further or completes). */
  private pendingBefore = 0;
  private handedOff = 0;
  private incomplete = false;
  private readonly handedOffTotal: Counter<'peer'> | undefined;
  private readonly replacedTotal: Counter<'peer'> | undefined;

  constructor(private readonly options: HandoffOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.pageDelayMs = options.pageDelayMs ?? 0;
    this.batchAttempts = options.batchAttempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.retryDelay = this.retryDelayMs;
    this.peerTimeoutMs = options.peerTimeoutMs ?? 5_000;
    this.graceMs = options.graceMs ?? 10_000;
    const registry = options.metricsRegistry;
    if (registry !== undefined) {
      this.handedOffTotal = new Counter({
        name: 'cameodb_rebalance_documents_handed_off_total',
        help: 'Documents this node handed off to their new owner (acknowledged, then deleted here).',
        labelNames: ['peer'],
        registers: [registry],
      });
      this.replacedTotal = new Counter({
        name: 'cameodb_rebalance_documents_replaced_total',
        help: 'Handed-off copies newer (by hybrid logical clock stamp) than the live document on their new owner, which they replaced.',
        labelNames: ['peer'],
        registers: [registry],
      });
      const status = () => this.status();
      new Gauge({
        name: 'cameodb_rebalance_documents_pending',
        help: 'Documents found to move and not acknowledged by their owner yet (current pass, or what the last incomplete one left).',
        registers: [registry],
        collect() {
          this.set(status().pendingDocuments);
        },
      });
      new Gauge({
        name: 'cameodb_rebalance_active',
        help: '1 while this node is handing documents off (a pass runs or is scheduled), else 0.',
        registers: [registry],
        collect() {
          this.set(status().active ? 1 : 0);
        },
      });
    }
  }

  /** The handoff's progress. */
  status(): HandoffStatus {
    return {
      active: this.running !== undefined || this.retryTimer !== undefined,
      pendingDocuments: Math.max(this.pending, this.pendingBefore),
      handedOffDocuments: this.handedOff,
    };
  }

  /** True when the ring has changed since the last completed pass (a pass is due). */
  due(): boolean {
    return readCompletedRing(this.options.dataPath) !== ringSignature(this.options.ring());
  }

  /** Runs a pass now, or right after the running one (the ring changed, or a peer came back). */
  request(reason: string): void {
    if (this.stopping.signal.aborted) return;
    if (reason !== SWEEP) this.sweepWanted = true;
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.options.logger.debug({ reason }, 'rebalancing pass requested');
    this.running = this.loop().finally(() => {
      this.running = undefined;
      // Asked for after the last pass had finished but before this settled: run it now.
      if (this.again) {
        this.again = false;
        this.request('requested as the previous pass ended');
      }
    });
  }

  /** Stops the handoff: the current batch finishes or is abandoned; nothing unacknowledged is deleted. */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    if (this.sweepTimer !== undefined) clearTimeout(this.sweepTimer);
    this.retryTimer = undefined;
    this.sweepTimer = undefined;
    await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.pass();
      } catch (error) {
        this.incomplete = true;
        if (!this.stopping.signal.aborted)
          this.options.logger.warn({ err: error }, 'rebalancing pass failed; it will run again');
      }
    } while (this.again && !this.stopping.signal.aborted);
    if (this.stopping.signal.aborted) return;
    this.pendingBefore = this.incomplete ? this.pending : 0;
    if (this.incomplete) {
      const delay = this.retryDelay;
      this.retryDelay = Math.min(MAX_RETRY_DELAY_MS, this.retryDelay * 2);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.request('retry of an incomplete pass');
      }, delay);
      this.retryTimer.unref();
      this.maybeAnnounce(true);
    } else {
      this.retryDelay = this.retryDelayMs;
      if (this.announced) {
        this.announced = false;
        this.options.announce(false, 0, ++this.announcements);
      }
      if (this.sweepWanted) {
        // A router whose ring had not learnt the new member yet may have written a moved key
        // here after the scan passed it: one more pass once every ring has settled moves it.
        this.sweepWanted = false;
        if (this.sweepTimer !== undefined) clearTimeout(this.sweepTimer);
        this.sweepTimer = setTimeout(() => {
          this.sweepTimer = undefined;
          this.request(SWEEP);
        }, this.graceMs);
        this.sweepTimer.unref();
      }
    }
  }

  private async pass(): Promise<void> {
    const { nodeId, logger } = this.options;
    const signal = this.stopping.signal;
    const started = Date.now();
    const signature = ringSignature(this.options.ring());
    this.incomplete = false;
    this.pending = 0;
    let moved = 0;
    let skipped = 0;
    let scanned = 0;
    const local = this.options.orchestratorOf(nodeId);
    const { schemas } = await local.ask({ type: 'ListSchemas' }, { timeoutMs: 60_000, signal });
    // Announce before the scan when there is anything that might move, so the peers' routers
    // look here for documents from the start of the pass.
    const { indexes } = await local.ask({ type: 'ListIndexes' }, { timeoutMs: 60_000, signal });
    if (indexes.some((index) => index.documentCount > 0)) this.announceNow();
    for (const schema of schemas) {
      for (let shardId = 0; shardId < this.options.shardCount; shardId++) {
        let afterId: string | undefined;
        do {
          if (signal.aborted) return;
          const page = await this.options.orchestratorOf(nodeId).ask(
            {
              type: 'ScanDocuments',
              index: schema.name,
              shardId,
              limit: this.batchSize,
              ...(afterId === undefined ? {} : { afterId }),
            },
            { timeoutMs: 60_000, signal },
          );
          scanned += page.documents.length;
          const outcome = await this.handOffPage(schema, shardId, page.documents);
          moved += outcome.moved;
          skipped += outcome.skipped;
          afterId = page.next;
          // Peers forget an announcement that is not refreshed: refresh it during long scans.
          if (this.announced) this.maybeAnnounce(true);
          if (this.pageDelayMs > 0 && afterId !== undefined) await sleep(this.pageDelayMs, signal);
        } while (afterId !== undefined);
      }
    }
    if (signal.aborted) return;
    const changedMeanwhile = ringSignature(this.options.ring()) !== signature;
    if (!this.incomplete && !changedMeanwhile) writeCompletedRing(this.options.dataPath, signature);
    if (changedMeanwhile) this.again = true;
    const summary = { scanned, moved, skipped, ms: Date.now() - started, complete: !this.incomplete };
    if (moved > 0 || this.incomplete) logger.info(summary, 'rebalancing pass finished');
    else logger.debug(summary, 'rebalancing pass found nothing to move');
  }

  /** Sends the page's documents owned elsewhere to their owners; releases what they acknowledged. */
  private async handOffPage(
    schema: IndexSchema,
    shardId: number,
    documents: readonly HandedOffDocument[],
  ): Promise<{ moved: number; skipped: number }> {
    const ring = this.options.ring();
    const byOwner = new Map<string, HandedOffDocument[]>();
    for (const document of documents) {
      const key = routeKey({
        ...(schema.routingField === undefined ? {} : { routingField: schema.routingField }),
        ...(document.routingKey === undefined ? {} : { routingKey: document.routingKey }),
        id: document.id,
        doc: document.doc,
      });
      const owner = ring.ownerOf(key).nodeId;
      if (owner === this.options.nodeId) continue;
      let batch = byOwner.get(owner);
      if (batch === undefined) byOwner.set(owner, (batch = []));
      batch.push(document);
    }
    let moved = 0;
    let skipped = 0;
    for (const [owner, batch] of byOwner) {
      this.pending += batch.length;
      this.maybeAnnounce(true);
      const outcome = await this.handOffBatch(schema.name, shardId, owner, batch);
      moved += outcome.moved;
      skipped += outcome.skipped;
      // Documents not acknowledged (owner down, refused) stay pending until the next pass.
      this.pending -= outcome.acknowledged;
    }
    return { moved, skipped };
  }

  private async handOffBatch(
    index: string,
    shardId: number,
    owner: string,
    batch: readonly HandedOffDocument[],
  ): Promise<{ moved: number; skipped: number; acknowledged: number }> {
    const { logger } = this.options;
    const signal = this.stopping.signal;
    if (!this.options.isHealthy(owner)) {
      // Left in place; the pass runs again (at once when the owner is back).
      this.incomplete = true;
      return { moved: 0, skipped: 0, acknowledged: 0 };
    }
    let reply: OrchestratorReplies['AcceptHandoff'] | undefined;
    for (let attempt = 1; reply === undefined; attempt++) {
      try {
        reply = await this.options
          .orchestratorOf(owner)
          .ask(
            { type: 'AcceptHandoff', index, items: [...batch] },
            { timeoutMs: this.peerTimeoutMs, signal },
          );
      } catch (error) {
        if (signal.aborted) return { moved: 0, skipped: 0, acknowledged: 0 };
        if (error instanceof IndexNotFoundError) {
          // The owner has not learnt the schema yet (or the index was dropped there): keep the documents.
          logger.warn(
            { index, owner },
            'the new owner does not know the index; documents kept for the next pass',
          );
          this.incomplete = true;
          return { moved: 0, skipped: 0, acknowledged: 0 };
        }
        if (attempt >= this.batchAttempts || !(error instanceof CameoError)) {
          logger.warn(
            { err: error, index, owner, documents: batch.length },
            'handoff batch not acknowledged; documents kept for the next pass',
          );
          this.incomplete = true;
          return { moved: 0, skipped: 0, acknowledged: 0 };
        }
        await sleep(this.retryDelayMs * 2 ** (attempt - 1), signal);
      }
    }
    const failed = new Set(reply.failed.map((item) => item.id));
    if (failed.size > 0) {
      this.incomplete = true;
      logger.warn(
        { index, owner, failed: failed.size, first: reply.failed[0] },
        'the new owner refused some handed-off documents; they stay here',
      );
    }
    const acknowledged = batch.filter((document) => !failed.has(document.id));
    if (acknowledged.length === 0) return { moved: 0, skipped: 0, acknowledged: 0 };
    const released = await this.options.orchestratorOf(this.options.nodeId).ask(
      {
        type: 'ReleaseHandedOff',
        index,
        shardId,
        items: acknowledged.map((document) => ({ id: document.id, version: document.version })),
      },
      { timeoutMs: 60_000 },
    );
    // A copy written here meanwhile (a router with an older ring) is kept: the next pass sends it.
    if (released.kept > 0) this.incomplete = true;
    this.handedOff += released.removed;
    this.handedOffTotal?.inc({ peer: owner }, released.removed);
    // Both nodes took a write of these ids (this node's ring had not learnt of the owner yet):
    // this node's were newer and replaced the owner's.
    this.replacedTotal?.inc({ peer: owner }, reply.replaced ?? 0);
    logger.info(
      {
        index,
        owner,
        sent: batch.length,
        adopted: reply.adopted,
        skipped: reply.skipped,
        replaced: reply.replaced ?? 0,
        released: released.removed,
        kept: released.kept,
        handedOffTotal: this.handedOff,
      },
      'handed documents off to their new owner',
    );
    return { moved: released.removed, skipped: reply.skipped, acknowledged: acknowledged.length };
  }

  /**
   * Repeats an active announcement now (not waiting for the periodic one): a member that
   * joined or came back must learn at once that this node still holds documents to move.
   */
  reannounce(): void {
    if (this.announced) this.announceNow();
  }

  private announceNow(): void {
    this.announced = true;
    this.lastAnnounceMs = Date.now();
    this.options.announce(true, this.status().pendingDocuments, ++this.announcements);
  }

  private maybeAnnounce(active: boolean): void {
    const now = Date.now();
    if (this.announced && now - this.lastAnnounceMs < ANNOUNCE_EVERY_MS) return;
    this.announced = active;
    this.lastAnnounceMs = now;
    this.options.announce(active, this.status().pendingDocuments, ++this.announcements);
  }
}
