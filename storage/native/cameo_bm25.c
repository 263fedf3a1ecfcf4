/*
 * cameo_bm25: FTS5's bm25() ranking with corpus statistics supplied by the caller.
 *
 * FTS5's own bm25() reads the number of documents, the average document length and each
 * phrase's document frequency from the table it runs on. CameoDB splits an index over
 * many shards (and nodes), so those numbers differ per shard and the same document would
 * score differently depending on where it lives. cameo_bm25 computes the same formula
 * (k1 = 1.2, b = 0.75, the row's length in tokens against the average, weighted hits per
 * phrase) with two differences: it takes the statistics of the whole index as an argument,
 * gathered from every shard first, and its IDF is Lucene's and Tantivy's (see below).
 *
 *   cameo_bm25(fts_table, statistics, length_cache, weight_0, weight_1, ...)
 *
 * statistics: NULL to use the table's own, or
 * a BLOB of little-endian IEEE-754 doubles
 *   [documents, tokens, phrase_documents_0, ..., phrase_documents_{n-1}]
 * with one document frequency per phrase of the MATCH expression, in FTS5's phrase order.
 * A blob of the wrong size is an error (a caller numbering phrases differently from FTS5
 * must fail loudly, not rank silently wrong).
 *
 * length_cache: NULL, or a text naming the table's content for a per-connection cache of
 * document lengths. Reading a row's length through FTS5 (xColumnSize) runs a SQL lookup in
 * the %_docsize table per row: about 75 % of the time of ranking a common term (measured:
 * 1.9 of 2.5 ms for 6,412 matches). The cache keeps rowid -> length per key, so the caller
 * must guarantee that under one key a rowid always holds the same text: CameoDB gives every
 * document version a new rowid and every table rebuild a new table name (docs/STORAGE.md).
 *
 * Like bm25() the result is negative: smaller is better.
 *
 * cameo_top (below) ranks the same way in one call for a MATCH of a single phrase.
 */
#include <math.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

/* The constants of FTS5's bm25() (fts5_aux.c). */
static const double K1 = 1.2;
static const double B = 0.75;

/* At most this many tables' caches per connection (least recently used ones go first). */
#define MAX_CACHES 16
/*
 * Slots per cache (12 bytes each): it starts small and doubles when three quarters full or
 * when rows sharing slots have pushed each other out a quarter of its size times,
 * up to twice the table's rows (FTS5's row count, which with contentless_delete also counts
 * deleted rows) and at most MAX_SLOTS. So it grows with the rows that queries rank, not
 * with every version ever written.
 */
#define MIN_SLOTS 1024u
#define MAX_SLOTS (1u << 21)

/*
 * Document lengths of one table: a direct-mapped table of rowid -> total tokens, slot
 * rowid & mask. Rowids are handed out in sequence, so the documents of a table rarely
 * collide; a collision only costs a lookup through FTS5.
 */
typedef struct LengthCache {
  char *key;
  unsigned mask;
  sqlite3_int64 *rowids; /* rowid + 1 per slot; 0 = empty */
  int *lengths;
  unsigned used;      /* slots filled */
  unsigned evictions; /* lengths overwritten by another rowid's (slots shared) */
  int users;    /* queries running with it: it is freed only when none is */
  int detached; /* no longer in the connection's list: free when the last user finishes */
  struct LengthCache *next;
} LengthCache;

/* Per-connection state: the caches, most recently used first. */
typedef struct Connection {
  LengthCache *caches;
  /* Rows the last finished cameo_bm25 query scored (see cameo_ranked_rows). */
  sqlite3_int64 lastRankedRows;
} Connection;

typedef struct Bm25Data {
  Connection *connection;
  sqlite3_int64 rankedRows; /* rows scored so far by this query */
  LengthCache *cache;       /* 0 when the caller asked for none */
  int phraseCount;
  int columnCount;
  double averageLength;
  double *inverseDocumentFrequency; /* phraseCount entries */
  double *weight;                   /* columnCount entries, from the arguments (1.0 if absent) */
} Bm25Data;

static int countRows(const Fts5ExtensionApi *api, Fts5Context *fts, void *userData) {
  (void)api;
  (void)fts;
  (*(sqlite3_int64 *)userData)++;
  return SQLITE_OK;
}

/*
 * Lucene's and Tantivy's IDF, ln(1 + (N - n + 0.5) / (n + 0.5)), always positive. FTS5's
 * bm25() uses ln((N - n + 0.5) / (n + 0.5)) clamped to 1e-6, so a phrase in more than half
 * the documents weighs nothing and every score in a small index is about 0.000001.
 */
static double inverseDocumentFrequency(double documents, double phraseDocuments) {
  return log(1.0 + (documents - phraseDocuments + 0.5) / (phraseDocuments + 0.5));
}

/* Fills `data` from the statistics blob, or from the table itself when there is none. */
static int loadStatistics(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_value *statistics,
                          Bm25Data *data, char **error) {
  int i;
  int rc = SQLITE_OK;
  if (sqlite3_value_type(statistics) == SQLITE_NULL) {
    sqlite3_int64 rows = 0;
    sqlite3_int64 tokens = 0;
    rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
    if (rc == SQLITE_OK) data->averageLength = (double)tokens / (double)rows;
    for (i = 0; rc == SQLITE_OK && i < data->phraseCount; i++) {
      sqlite3_int64 hits = 0;
      rc = api->xQueryPhrase(fts, i, (void *)&hits, countRows);
      if (rc == SQLITE_OK) data->inverseDocumentFrequency[i] = inverseDocumentFrequency((double)rows, (double)hits);
    }
    return rc;
  }
  if (sqlite3_value_type(statistics) != SQLITE_BLOB) {
    *error = sqlite3_mprintf("cameo_bm25: statistics must be a BLOB or NULL");
    return SQLITE_ERROR;
  }
  {
    const unsigned char *bytes = sqlite3_value_blob(statistics);
    int size = sqlite3_value_bytes(statistics);
    int expected = (int)sizeof(double) * (2 + data->phraseCount);
    double documents;
    double tokens;
    if (size != expected) {
      *error = sqlite3_mprintf("cameo_bm25: statistics of %d bytes, expected %d for %d phrases", size, expected,
                               data->phraseCount);
      return SQLITE_ERROR;
    }
    memcpy(&documents, bytes, sizeof(double));
    memcpy(&tokens, bytes + sizeof(double), sizeof(double));
    data->averageLength = tokens / documents;
    for (i = 0; i < data->phraseCount; i++) {
      double phraseDocuments;
      memcpy(&phraseDocuments, bytes + sizeof(double) * (2 + i), sizeof(double));
      /*
       * NaN: the count is not known yet, so the phrase's part is scored unscaled (idf 1). A
       * caller that learns the count from this very walk (cameo_top's number of matches)
       * multiplies by cameo_idf afterwards: a one-phrase score is 0.0 + idf * part, so that
       * gives the same bits as scoring with the count in the first place.
       */
      data->inverseDocumentFrequency[i] =
          phraseDocuments != phraseDocuments ? 1.0 : inverseDocumentFrequency(documents, phraseDocuments);
    }
  }
  return SQLITE_OK;
}

static void freeCache(LengthCache *cache);

/* Drops a cache from use: freed now, or when the last query using it finishes. */
static void retireCache(LengthCache *cache) {
  if (cache->users > 0) cache->detached = 1;
  else freeCache(cache);
}

static void freeCache(LengthCache *cache) {
  sqlite3_free(cache->key);
  sqlite3_free(cache->rowids);
  sqlite3_free(cache->lengths);
  sqlite3_free(cache);
}

/* An empty cache with room for about `rows` documents, or 0 when out of memory. */
static LengthCache *newCache(const char *key, unsigned slots) {
  LengthCache *cache = (LengthCache *)sqlite3_malloc64(sizeof(LengthCache));
  if (cache == 0) return 0;
  memset(cache, 0, sizeof(LengthCache));
  cache->mask = slots - 1;
  cache->key = sqlite3_mprintf("%s", key);
  cache->rowids = (sqlite3_int64 *)sqlite3_malloc64(sizeof(sqlite3_int64) * (sqlite3_uint64)slots);
  cache->lengths = (int *)sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)slots);
  if (cache->key == 0 || cache->rowids == 0 || cache->lengths == 0) {
    freeCache(cache);
    return 0;
  }
  memset(cache->rowids, 0, sizeof(sqlite3_int64) * (sqlite3_uint64)slots);
  return cache;
}

/*
 * The connection's cache for `key`, moved to the front; created (or, when the table has
 * outgrown it, replaced by a larger one) as needed. 0 when out of memory.
 */
static LengthCache *lengthCache(Connection *connection, const char *key, sqlite3_int64 rows) {
  LengthCache **link = &connection->caches;
  LengthCache *cache = 0;
  int count = 0;
  while (*link != 0) {
    if (strcmp((*link)->key, key) == 0) {
      cache = *link;
      *link = cache->next; /* unlinked; goes back in front below */
      break;
    }
    link = &(*link)->next;
  }
  if (cache != 0 && (cache->used > (cache->mask + 1) / 4 * 3 || cache->evictions > (cache->mask + 1) / 4) &&
      cache->mask + 1 < MAX_SLOTS && (sqlite3_int64)(cache->mask + 1) < 2 * rows) {
    /* Three quarters full, or rows keep pushing each other out: start again twice as large. */
    unsigned slots = (cache->mask + 1) * 2;
    retireCache(cache);
    cache = newCache(key, slots);
  } else if (cache == 0) {
    cache = newCache(key, MIN_SLOTS);
  }
  if (cache == 0) return 0;
  cache->next = connection->caches;
  connection->caches = cache;
  /* Keep at most MAX_CACHES: drop what is beyond. */
  for (link = &connection->caches; *link != 0; link = &(*link)->next) {
    if (++count == MAX_CACHES) {
      LengthCache *rest = (*link)->next;
      (*link)->next = 0;
      while (rest != 0) {
        LengthCache *next = rest->next;
        retireCache(rest);
        rest = next;
      }
      break;
    }
  }
  return cache;
}

static void freeConnection(void *pointer) {
  Connection *connection = (Connection *)pointer;
  while (connection->caches != 0) {
    LengthCache *next = connection->caches->next;
    freeCache(connection->caches);
    connection->caches = next;
  }
  sqlite3_free(connection);
}

/* The current row's length in tokens (all columns), from the cache when it has it. */
static int rowLength(const Fts5ExtensionApi *api, Fts5Context *fts, LengthCache *cache, int *length) {
  sqlite3_int64 rowid;
  unsigned slot;
  int rc;
  if (cache == 0) return api->xColumnSize(fts, -1, length);
  rowid = api->xRowid(fts);
  slot = (unsigned)((sqlite3_uint64)rowid & cache->mask);
  if (cache->rowids[slot] == rowid + 1) {
    *length = cache->lengths[slot];
    return SQLITE_OK;
  }
  rc = api->xColumnSize(fts, -1, length);
  if (rc == SQLITE_OK) {
    if (cache->rowids[slot] == 0) cache->used++;
    else cache->evictions++;
    cache->rowids[slot] = rowid + 1;
    cache->lengths[slot] = *length;
  }
  return rc;
}

/*
 * FTS5 frees a query's data when the query's cursor closes (the statement finished or was
 * reset): publish how many rows it scored, for cameo_ranked_rows().
 */
static void finishQuery(void *pointer) {
  Bm25Data *data = (Bm25Data *)pointer;
  data->connection->lastRankedRows = data->rankedRows;
  if (data->cache != 0 && --data->cache->users == 0 && data->cache->detached) freeCache(data->cache);
  sqlite3_free(data);
}

/*
 * cameo_ranked_rows(): how many rows the last finished query scored with cameo_bm25 on this
 * connection. A search that ranks every match to keep the best k (ORDER BY score LIMIT k)
 * has counted its matches on the way, as Lucene's collectors do: reading this number saves
 * running the query again as count(*). Only meaningful right after a statement with exactly
 * one cameo_bm25 call that returned at least one row (a statement that scored no row does
 * not change it).
 */
static void cameoRankedRows(sqlite3_context *context, int argumentCount, sqlite3_value **arguments) {
  (void)argumentCount;
  (void)arguments;
  sqlite3_result_int64(context, ((Connection *)sqlite3_user_data(context))->lastRankedRows);
}

/* Per-query data, computed on the first row and kept by FTS5 for the rest of the query. */
static int bm25Data(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_value *statistics,
                    sqlite3_value *cacheKey, sqlite3_value **weights, int weightCount, Bm25Data **out,
                    char **error) {
  Bm25Data *data = (Bm25Data *)api->xGetAuxdata(fts, 0);
  int rc;
  int phraseCount;
  int columnCount;
  int column;
  sqlite3_uint64 size;
  if (data != 0) {
    *out = data;
    return SQLITE_OK;
  }
  phraseCount = api->xPhraseCount(fts);
  columnCount = api->xColumnCount(fts);
  size = sizeof(Bm25Data) + sizeof(double) * ((sqlite3_uint64)phraseCount + (sqlite3_uint64)columnCount);
  data = (Bm25Data *)sqlite3_malloc64(size);
  if (data == 0) return SQLITE_NOMEM;
  memset(data, 0, size);
  data->connection = (Connection *)api->xUserData(fts);
  data->phraseCount = phraseCount;
  data->columnCount = columnCount;
  data->inverseDocumentFrequency = (double *)&data[1];
  data->weight = &data->inverseDocumentFrequency[phraseCount];
  /* The weights are the same for every row: read once, not once per hit. */
  for (column = 0; column < columnCount; column++)
    data->weight[column] = column < weightCount ? sqlite3_value_double(weights[column]) : 1.0;
  rc = loadStatistics(api, fts, statistics, data, error);
  if (rc == SQLITE_OK && sqlite3_value_type(cacheKey) != SQLITE_NULL) {
    sqlite3_int64 rows = 0;
    if (sqlite3_value_type(cacheKey) != SQLITE_TEXT) {
      *error = sqlite3_mprintf("cameo_bm25: length_cache must be a TEXT or NULL");
      rc = SQLITE_ERROR;
    }
    if (rc == SQLITE_OK) rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK) {
      data->cache = lengthCache(data->connection, (const char *)sqlite3_value_text(cacheKey), rows);
      if (data->cache == 0) rc = SQLITE_NOMEM;
      else data->cache->users++;
    }
  }
  if (rc == SQLITE_OK) rc = api->xSetAuxdata(fts, data, finishQuery);
  else sqlite3_free(data);
  if (rc == SQLITE_OK) *out = data;
  return rc;
}

/* BM25's length normalisation of a row of `tokens` tokens. */
static double lengthNormOf(const Bm25Data *data, int tokens) {
  return K1 * (1 - B + B * (double)tokens / data->averageLength);
}

/*
 * Adds phrase `phrase`'s part of the current row's score to `score`. cameo_bm25 and
 * cameo_top both score through here, so a row gets the same bits from either.
 * The hits are walked with xPhraseFirst/xPhraseNext, which read the position list in
 * place; xInstCount/xInst first build a sorted array of every phrase's hits per row
 * (measured: the ranking of a common term took 2x as long that way).
 */
static int addPhraseScore(const Fts5ExtensionApi *api, Fts5Context *fts, const Bm25Data *data, int phrase,
                          double lengthNorm, double *score) {
  Fts5PhraseIter hits;
  int column = -1;
  int offset = 0;
  double frequency = 0.0;
  int rc = api->xPhraseFirst(fts, phrase, &hits, &column, &offset);
  if (rc != SQLITE_OK) return rc;
  for (; column >= 0; api->xPhraseNext(fts, &hits, &column, &offset))
    frequency += column < data->columnCount ? data->weight[column] : 1.0;
  if (frequency > 0.0)
    *score += data->inverseDocumentFrequency[phrase] * ((frequency * (K1 + 1.0)) / (frequency + lengthNorm));
  return SQLITE_OK;
}

/* Fails the call with `error` (then freed) when there is one, else with the code `rc`. */
static void resultError(sqlite3_context *context, int rc, char *error) {
  if (error != 0) {
    sqlite3_result_error(context, error, -1);
    sqlite3_free(error);
  } else {
    sqlite3_result_error_code(context, rc);
  }
}

static void cameoBm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *context, int argumentCount,
                      sqlite3_value **arguments) {
  Bm25Data *data = 0;
  char *error = 0;
  double score = 0.0;
  double lengthNorm;
  int tokens = 0;
  int phrase;
  int rc;
  if (argumentCount < 2) {
    sqlite3_result_error(context, "cameo_bm25: statistics or length_cache argument missing", -1);
    return;
  }
  /* Weights follow statistics and length_cache: column c's weight is argument c + 2. */
  rc = bm25Data(api, fts, arguments[0], arguments[1], &arguments[2], argumentCount - 2, &data, &error);
  if (rc == SQLITE_OK) {
    data->rankedRows++;
    rc = rowLength(api, fts, data->cache, &tokens);
  }
  if (rc == SQLITE_OK) {
    lengthNorm = lengthNormOf(data, tokens);
    for (phrase = 0; phrase < data->phraseCount && rc == SQLITE_OK; phrase++)
      rc = addPhraseScore(api, fts, data, phrase, lengthNorm, &score);
  }
  if (rc == SQLITE_OK) sqlite3_result_double(context, -1.0 * score);
  else resultError(context, rc, error);
}

/*
 * cameo_top(fts_table, statistics, length_cache, k, weight_0, weight_1, ...)
 *
 * The k best rows of a MATCH of exactly one phrase, and the number of rows it matches, in
 * one call:
 *
 *   SELECT cameo_top(t, ?, 'key', ?, 2, 1) FROM t WHERE t MATCH ? LIMIT 1
 *
 * Arguments as cameo_bm25's, with k after length_cache. Called on the first matching row,
 * it walks every match of the phrase with xQueryPhrase, scores each as cameo_bm25 would
 * (same code, same bits) and keeps the best k in a heap. The same search through
 * `ORDER BY -cameo_bm25(...) LIMIT k` costs SQLite's machinery per row (the cursor, the
 * function call, the sorter): measured on 7,092 matches of a common word, 1.48 ms against
 * 0.93 ms this way, with identical rows and scores.
 *
 * Returns a BLOB of doubles in this machine's byte order:
 *   [matches, rowid_0, score_0, rowid_1, score_1, ...]
 * at most k rows, best score first, equal scores by ascending rowid; scores are positive
 * (higher is better, the negation of cameo_bm25's). Rowids are exact up to 2^53.
 * A MATCH of more than one phrase is an error: the walk would miss the expression's logic.
 */
#define MAX_TOP_ROWS 1000000

typedef struct TopRow {
  sqlite3_int64 rowid;
  double score;
} TopRow;

typedef struct TopWalk {
  Bm25Data *data;
  int k;
  int size;
  TopRow *heap; /* heap[0] is the worst row kept */
  sqlite3_int64 matches;
} TopWalk;

/* Whether `a` ranks below `b`: a lower score, or an equal score and a higher rowid. */
static int ranksBelow(const TopRow *a, const TopRow *b) {
  if (a->score != b->score) return a->score < b->score;
  return a->rowid > b->rowid;
}

static void swapRows(TopRow *a, TopRow *b) {
  TopRow kept = *a;
  *a = *b;
  *b = kept;
}

static void siftDown(TopRow *heap, int size, int at) {
  for (;;) {
    int left = 2 * at + 1;
    int right = left + 1;
    int lowest = at;
    if (left < size && ranksBelow(&heap[left], &heap[lowest])) lowest = left;
    if (right < size && ranksBelow(&heap[right], &heap[lowest])) lowest = right;
    if (lowest == at) return;
    swapRows(&heap[at], &heap[lowest]);
    at = lowest;
  }
}

static void siftUp(TopRow *heap, int at) {
  while (at > 0) {
    int parent = (at - 1) / 2;
    if (!ranksBelow(&heap[at], &heap[parent])) return;
    swapRows(&heap[at], &heap[parent]);
    at = parent;
  }
}

/* xQueryPhrase's callback: scores one matching row and offers it to the heap. */
static int walkRow(const Fts5ExtensionApi *api, Fts5Context *fts, void *userData) {
  TopWalk *walk = (TopWalk *)userData;
  TopRow row;
  int tokens = 0;
  double score = 0.0;
  int rc = rowLength(api, fts, walk->data->cache, &tokens);
  if (rc == SQLITE_OK) rc = addPhraseScore(api, fts, walk->data, 0, lengthNormOf(walk->data, tokens), &score);
  if (rc != SQLITE_OK) return rc;
  walk->matches++;
  row.rowid = api->xRowid(fts);
  /* The row-by-row SQL negates cameo_bm25's -1.0 * score back, exactly: the same bits. */
  row.score = score;
  if (walk->size < walk->k) {
    walk->heap[walk->size] = row;
    siftUp(walk->heap, walk->size);
    walk->size++;
  } else if (walk->k > 0 && ranksBelow(&walk->heap[0], &row)) {
    walk->heap[0] = row;
    siftDown(walk->heap, walk->size, 0);
  }
  return SQLITE_OK;
}

static void cameoTop(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *context, int argumentCount,
                     sqlite3_value **arguments) {
  Bm25Data *data = 0;
  char *error = 0;
  TopWalk walk;
  double *out;
  int rows;
  int rc;
  if (argumentCount < 3) {
    sqlite3_result_error(context, "cameo_top: statistics, length_cache or k argument missing", -1);
    return;
  }
  if (api->xPhraseCount(fts) != 1) {
    sqlite3_result_error(context, "cameo_top: the MATCH expression must be exactly one phrase", -1);
    return;
  }
  memset(&walk, 0, sizeof walk);
  {
    /* Drivers may bind a whole number as a REAL: accept any numeric value that is whole. */
    int type = sqlite3_value_numeric_type(arguments[2]);
    double k = sqlite3_value_double(arguments[2]);
    if ((type != SQLITE_INTEGER && type != SQLITE_FLOAT) || !(k >= 0 && k <= MAX_TOP_ROWS) || k != floor(k)) {
      sqlite3_result_error(context, "cameo_top: k must be a whole number from 0 to 1000000", -1);
      return;
    }
    walk.k = (int)k;
  }
  /* Weights follow statistics, length_cache and k: column c's weight is argument c + 3. */
  rc = bm25Data(api, fts, arguments[0], arguments[1], &arguments[3], argumentCount - 3, &data, &error);
  if (rc == SQLITE_OK) {
    walk.data = data;
    walk.heap = (TopRow *)sqlite3_malloc64(sizeof(TopRow) * ((sqlite3_uint64)walk.k + 1));
    if (walk.heap == 0) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) rc = api->xQueryPhrase(fts, 0, (void *)&walk, walkRow);
  if (rc != SQLITE_OK) {
    sqlite3_free(walk.heap);
    resultError(context, rc, error);
    return;
  }
  rows = walk.size;
  out = (double *)sqlite3_malloc64(sizeof(double) * (1 + 2 * (sqlite3_uint64)rows));
  if (out == 0) {
    sqlite3_free(walk.heap);
    sqlite3_result_error_nomem(context);
    return;
  }
  out[0] = (double)walk.matches;
  /* Taking the worst row off the heap each time fills the result from its end. */
  while (walk.size > 0) {
    int at = walk.size - 1;
    out[1 + 2 * at] = (double)walk.heap[0].rowid;
    out[2 + 2 * at] = walk.heap[0].score;
    walk.heap[0] = walk.heap[at];
    walk.size--;
    siftDown(walk.heap, walk.size, 0);
  }
  sqlite3_free(walk.heap);
  data->rankedRows = walk.matches;
  sqlite3_result_blob(context, out, (int)(sizeof(double) * (1 + 2 * (sqlite3_uint64)rows)), sqlite3_free);
}

/*
 * cameo_idf(documents, phrase_documents): the inverse document frequency cameo_bm25 and
 * cameo_top weigh a phrase's part with, for scaling an unscaled cameo_top (see
 * loadStatistics). Computed here, not in JavaScript, so it is the same log() to the bit.
 */
static void cameoIdf(sqlite3_context *context, int argumentCount, sqlite3_value **arguments) {
  int documentsType = sqlite3_value_numeric_type(arguments[0]);
  int phraseType = sqlite3_value_numeric_type(arguments[1]);
  (void)argumentCount;
  if ((documentsType != SQLITE_INTEGER && documentsType != SQLITE_FLOAT) ||
      (phraseType != SQLITE_INTEGER && phraseType != SQLITE_FLOAT)) {
    sqlite3_result_error(context, "cameo_idf: documents and phrase_documents must be numbers", -1);
    return;
  }
  sqlite3_result_double(context, inverseDocumentFrequency(sqlite3_value_double(arguments[0]),
                                                          sqlite3_value_double(arguments[1])));
}

/* The FTS5 API of this connection (the documented way: SELECT fts5(?1) with a pointer). */
static fts5_api *fts5Api(sqlite3 *db) {
  fts5_api *api = 0;
  sqlite3_stmt *statement = 0;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, 0) == SQLITE_OK) {
    sqlite3_bind_pointer(statement, 1, (void *)&api, "fts5_api_ptr", 0);
    sqlite3_step(statement);
  }
  sqlite3_finalize(statement);
  return api;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_cameobm_init(sqlite3 *db, char **error, const sqlite3_api_routines *routines) {
  fts5_api *api;
  SQLITE_EXTENSION_INIT2(routines);
  api = fts5Api(db);
  if (api == 0 || api->iVersion < 2) {
    *error = sqlite3_mprintf("cameo_bm25: this SQLite has no FTS5 (version 2 or later)");
    return SQLITE_ERROR;
  }
  {
    int rc;
    Connection *connection = (Connection *)sqlite3_malloc64(sizeof(Connection));
    if (connection == 0) return SQLITE_NOMEM;
    memset(connection, 0, sizeof(Connection));
    rc = sqlite3_create_function_v2(db, "cameo_idf", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, 0, cameoIdf, 0, 0, 0);
    if (rc == SQLITE_OK)
      rc = sqlite3_create_function_v2(db, "cameo_ranked_rows", 0, SQLITE_UTF8, (void *)connection, cameoRankedRows,
                                      0, 0, 0);
    /* FTS5 frees the connection state (xDestroy) when the connection closes. */
    if (rc == SQLITE_OK) rc = api->xCreateFunction(api, "cameo_bm25", (void *)connection, cameoBm25, freeConnection);
    else sqlite3_free(connection);
    /* Shares the connection state; cameo_bm25's registration frees it. */
    if (rc == SQLITE_OK) rc = api->xCreateFunction(api, "cameo_top", (void *)connection, cameoTop, 0);
    return rc;
  }
}
