/**
 * One search over several shards of a node in one worker task: BM25 statistics summed
 * over the shards (unless the caller brings the whole cluster's), each shard ranked with
 * them, the rows merged, and stored documents read for the merged top rows only. Scores
 * therefore do not depend on which shard holds a document, and a page of ten hits reads
 * ten documents, not ten per shard.
 *
 * A shard that fails is reported in `shardErrors` (by position) and left out; the caller
 * decides what a failure means (a request error is the same on every shard).
 * @module
 */
import {
  errorFromWire,
  toCameoError,
  type CorpusStatistics,
  type SearchHit,
  type SearchSpec,
  type WireError,
} from '../messages/index.js';
import { hitOrder } from './merge-hits.js';
import { addStatistics, NO_STATISTICS, parseQuery, type QueryNode } from './query/index.js';
import type { ShardQueries } from './shard-queries.js';
import {
  checkSearchWindow,
  finishRanking,
  planShardSearch,
  plannedStatistics,
  plannedTotals,
  rankPlanned,
  phraseIdf,
  scaleRows,
  shardHits,
  walkUnscaled,
  type PlannedShardSearch,
  type RankedRow,
  type RankedShard,
} from './shard-search.js';

/** A shard's failure: its position in the list searched, and the error. */
export interface ShardFailure {
  readonly shard: number;
  readonly error: WireError;
}

/** Statistics summed over the shards that answered, and those that did not. */
export interface CollectedStatistics {
  readonly statistics: CorpusStatistics;
  readonly shardErrors: ShardFailure[];
}

/** The merged page of hits of several shards, and their total number of matches. */
export interface NodeSearchResult {
  readonly hits: SearchHit[];
  readonly totalHits: number;
  readonly shardErrors: ShardFailure[];
  /**
   * With `reportStatistics`: these shards' own BM25 statistics for the query (summed over the
   * shards that answered), read in the snapshot the search ran in. A cluster search that
   * ranked with remembered statistics checks them against the sum of every node's.
   */
  readonly statistics?: CorpusStatistics;
}

/** Options of `searchShards`. */
export interface SearchShardsOptions {
  /** Also return the shards' own statistics (see NodeSearchResult.statistics). */
  readonly reportStatistics?: boolean;
}

function failure(shard: number, error: unknown): ShardFailure {
  return { shard, error: toCameoError(error).toWire() };
}

/**
 * `work` for every shard that has an item and has not failed yet; a shard whose work throws
 * is recorded in `failed` and gets undefined.
 */
function eachShard<T, R>(
  items: readonly (T | undefined)[],
  failed: Map<number, ShardFailure>,
  work: (item: T, shard: number) => R,
): (R | undefined)[] {
  return items.map((item, shard) => {
    if (item === undefined || failed.has(shard)) return undefined;
    try {
      return work(item, shard);
    } catch (error) {
      failed.set(shard, failure(shard, error));
      return undefined;
    }
  });
}

/** The shards' own statistics for their planned searches, summed (failures go to `failed`). */
function ownStatistics(
  shards: readonly ShardQueries[],
  planned: readonly (PlannedShardSearch | undefined)[],
  failed: Map<number, ShardFailure>,
): CorpusStatistics {
  const counted = eachShard(planned, failed, (plan, shard) => plannedStatistics(shards[shard]!, plan));
  return counted.reduce<CorpusStatistics>(
    (sum, statistics) => (statistics === undefined ? sum : addStatistics(sum, statistics)),
    NO_STATISTICS,
  );
}

/**
 * Ranks a search that is one phrase on every shard (`plan.top`), with these shards' own
 * statistics, in one walk of the phrase's matches per shard instead of two: counting the
 * phrase's documents (for its inverse document frequency) and then ranking visit the same
 * matches, and a one-phrase score is that frequency times a part that does not depend on
 * it. So each shard ranks unscaled and counts, the counts are summed and the rows scaled:
 * the same rows, scores and order as counting first (tested against it). Undefined when the
 * search is not of that kind.
 */
function rankInOneWalk(
  shards: readonly ShardQueries[],
  planned: readonly (PlannedShardSearch | undefined)[],
  failed: Map<number, ShardFailure>,
): { own: CorpusStatistics; ranked: (RankedShard | undefined)[] } | undefined {
  const plans = planned.filter((plan) => plan !== undefined);
  const phrase = plans[0]?.plan.phrases[0];
  const oneWalkEach = plans.every(
    ({ plan }) => plan.top !== undefined && plan.phrases.length === 1 && plan.phrases[0]!.key === phrase?.key,
  );
  if (phrase === undefined || !oneWalkEach) return undefined;
  const totals = eachShard(planned, failed, (plan, shard) => ({
    ...plannedTotals(shards[shard]!, plan),
    phrases: {},
  })).reduce<CorpusStatistics>(
    (sum, shard) => (shard === undefined ? sum : addStatistics(sum, shard)),
    NO_STATISTICS,
  );
  // Ranked with the node's totals, as the two-walk path ranks with its summed statistics.
  const walks = eachShard(planned, failed, (plan, shard) => walkUnscaled(shards[shard]!, plan, totals));
  const phraseDocuments = walks.reduce((sum, walk) => sum + (walk?.matches ?? 0), 0);
  const own: CorpusStatistics = { ...totals, phrases: { [phrase.key]: phraseDocuments } };
  let idf: number | undefined;
  const ranked = eachShard(planned, failed, (plan, shard) => {
    const walk = walks[shard];
    if (walk === undefined) return undefined;
    const queries = shards[shard]!;
    idf ??= phraseIdf(queries, own, phrase.key);
    return finishRanking(queries, plan, scaleRows(walk.rows, idf), walk.matches, own);
  });
  return { own, ranked };
}

/** BM25 statistics of `query` in `index`, summed over `shards` (one read snapshot each). */
export function collectStatistics(
  shards: readonly ShardQueries[],
  index: string,
  query: string,
): CollectedStatistics {
  const ast = parseQuery(query);
  const failed = new Map<number, ShardFailure>();
  const statistics = inReadSnapshots(shards, failed, () =>
    ownStatistics(
      shards,
      eachShard(shards, failed, (queries) => planShardSearch(queries, index, ast, { limit: 0 })),
      failed,
    ),
  );
  return { statistics, shardErrors: [...failed.values()] };
}

/**
 * The page `[spec.offset, spec.offset + spec.limit)` of `spec` over `shards`, ranked with
 * `statistics` (undefined: summed over these shards first). Documents are read for the
 * page only. A caller that merges further nodes asks each for offset 0 and limit
 * offset + limit, and applies the offset after its own merge.
 *
 * Each shard's statistics, ranking and page come from one read snapshot of it, opened once
 * for the whole search (a transaction per step cost as much as a search finding nothing).
 */
export function searchShards(
  shards: readonly ShardQueries[],
  index: string,
  spec: SearchSpec,
  statistics?: CorpusStatistics,
  options: SearchShardsOptions = {},
): NodeSearchResult {
  checkSearchWindow(spec);
  const ast = parseQuery(spec.query);
  const failed = new Map<number, ShardFailure>();
  return inReadSnapshots(shards, failed, () =>
    searchInSnapshots(shards, index, spec, ast, failed, statistics, options.reportStatistics === true),
  );
}

/**
 * Runs `body` with a read transaction open on every shard (nested, so all close when it
 * returns). A shard whose transaction cannot begin is recorded in `failed` and skipped.
 */
function inReadSnapshots<T>(
  shards: readonly ShardQueries[],
  failed: Map<number, ShardFailure>,
  body: () => T,
): T {
  const open = (shard: number): T => {
    const queries = shards[shard];
    if (queries === undefined) return body();
    let begun = false;
    try {
      return queries.search.readTransaction(() => {
        begun = true;
        return open(shard + 1);
      });
    } catch (error) {
      if (begun) throw error;
      failed.set(shard, failure(shard, error));
      return open(shard + 1);
    }
  };
  return open(0);
}

function searchInSnapshots(
  shards: readonly ShardQueries[],
  index: string,
  spec: SearchSpec,
  ast: QueryNode,
  failed: Map<number, ShardFailure>,
  statistics: CorpusStatistics | undefined,
  reportStatistics: boolean,
): NodeSearchResult {
  const window = { limit: spec.offset + spec.limit, ...(spec.sort === undefined ? {} : { sort: spec.sort }) };
  const planned = eachShard(shards, failed, (queries) => planShardSearch(queries, index, ast, window));
  let own: CorpusStatistics | undefined;
  let ranked: (RankedShard | undefined)[];
  const oneWalk = statistics === undefined ? rankInOneWalk(shards, planned, failed) : undefined;
  if (oneWalk !== undefined) {
    ({ own, ranked } = oneWalk);
  } else {
    own = statistics === undefined || reportStatistics ? ownStatistics(shards, planned, failed) : undefined;
    const ranking = statistics ?? own;
    ranked = eachShard(planned, failed, (plan, shard) => rankPlanned(shards[shard]!, plan, ranking));
  }

  // Merge the rows of all shards, then read documents for the page only.
  const order = hitOrder(spec.sort);
  const candidates: { row: RankedRow; shard: number }[] = [];
  let totalHits = 0;
  ranked.forEach((result, shard) => {
    if (result === undefined) return;
    totalHits += result.totalHits;
    for (const row of result.rows) candidates.push({ row, shard });
  });
  candidates.sort((a, b) => order(a.row, b.row));
  const chosen = candidates.slice(spec.offset, spec.offset + spec.limit);

  const hitsByShard = new Map<number, SearchHit[]>();
  ranked.forEach((result, shard) => {
    if (result === undefined) return;
    const rows = chosen.filter((candidate) => candidate.shard === shard).map((candidate) => candidate.row);
    if (rows.length === 0) return;
    try {
      const { hits, dropped } = shardHits(shards[shard]!, { record: result.record, rows }, ast, spec);
      totalHits -= dropped;
      hitsByShard.set(shard, hits);
    } catch (error) {
      failed.set(shard, failure(shard, error));
      totalHits -= result.totalHits;
    }
  });
  const hits = [...hitsByShard.values()].flat().sort(order);
  return {
    hits,
    totalHits: Math.max(0, totalHits),
    shardErrors: [...failed.values()],
    ...(reportStatistics && own !== undefined ? { statistics: own } : {}),
  };
}

/**
 * The page `spec` asks for of one shard alone (its own statistics unless given), and its
 * total number of matches; any failure is thrown.
 */
export function searchShard(
  queries: ShardQueries,
  index: string,
  spec: SearchSpec,
  statistics?: CorpusStatistics,
): { hits: SearchHit[]; totalHits: number } {
  const result = searchShards([queries], index, spec, statistics);
  const [failed] = result.shardErrors;
  if (failed !== undefined) throw errorFromWire(failed.error);
  return { hits: result.hits, totalHits: result.totalHits };
}
