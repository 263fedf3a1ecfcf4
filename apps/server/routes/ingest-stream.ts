/**
 * `POST /api/{index}/document/stream`: NDJSON ingest. Lines are parsed as they arrive and
 * sent to the router in micro-batches of BulkWrite asks; reading waits while a batch is
 * in flight, so a body of gigabytes streams through with memory bounded by one batch and
 * one line. Each batch has its own deadline; an overloaded node gets a few retries
 * (writes are upserts, so a retried batch is idempotent).
 * @module
 */
import type { Context } from 'hono';
import type { CameoError } from '../../../messages/index.js';
import { OverloadedError, ValidationError, toCameoError, type JsonObject } from '../../../messages/index.js';
import type { Gateway, GatewayEnv, RouteRegistrar } from '../gateway.js';
import { toErrorResponse, unsupportedMediaType } from '../http-errors.js';
import { openBody, parseJsonText, readChunks } from '../request-body.js';
import { describeIssues, safeParseDocumentWrite } from '../request-schemas.js';
import { indexParam } from './documents.js';

/** Errors reported in full; later ones are only counted. */
const MAX_REPORTED_ERRORS = 100;
/** Retries of a batch refused with OverloadedError, and the first backoff. */
const OVERLOAD_RETRIES = 3;
const FIRST_BACKOFF_MS = 100;

const NDJSON_TYPES = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/json',
  'text/plain',
]);

/** One line's failure, as reported. */
interface LineError {
  line: number;
  id?: string;
  error: string;
  message: string;
}

interface PendingItem {
  readonly line: number;
  readonly id: string;
  readonly routingKey?: string;
  readonly doc: JsonObject;
}

/** The state of one ingest request. */
class IngestRun {
  linesReceived = 0;
  itemsWritten = 0;
  batches = 0;
  suppressedErrors = 0;
  readonly errors: LineError[] = [];
  /** A failure of a whole batch or of the body; ingest stops at it. */
  fatal: CameoError | undefined;
  private batch: PendingItem[] = [];
  private batchBytes = 0;

  constructor(
    private readonly gateway: Gateway,
    private readonly c: Context<GatewayEnv>,
    private readonly index: string,
  ) {}

  addError(error: LineError): void {
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push(error);
    else this.suppressedErrors += 1;
  }

  /** Parses one line and queues it; flushes when the batch is full. */
  async acceptLine(text: string, line: number): Promise<void> {
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (trimmed.trim() === '') return;
    this.linesReceived += 1;
    let value: unknown;
    try {
      value = parseJsonText(trimmed, `line ${line}`);
    } catch (error) {
      const cameo = toCameoError(error);
      this.addError({ line, error: cameo.code, message: cameo.message });
      return;
    }
    const parsed = safeParseDocumentWrite(value);
    if (!parsed.success) {
      const id = (value as { id?: unknown } | null)?.id;
      const message = describeIssues(parsed.error)
        .map((issue) => `${issue.path}: ${issue.message}`)
        .join('; ');
      this.addError({
        line,
        ...(typeof id === 'string' ? { id } : {}),
        error: ValidationError.code,
        message,
      });
      return;
    }
    const { id, routing_key: routingKey, doc } = parsed.data;
    this.batch.push(
      routingKey === undefined
        ? { line, id, doc: doc as JsonObject }
        : { line, id, routingKey, doc: doc as JsonObject },
    );
    this.batchBytes += trimmed.length;
    if (
      this.batch.length >= this.gateway.limits.streamBatchSize ||
      this.batchBytes >= this.gateway.limits.maxBodyBytes
    ) {
      await this.flush();
    }
  }

  /** Sends the queued items as one BulkWrite; a failure of the whole batch becomes `fatal`. */
  async flush(): Promise<void> {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.batchBytes = 0;
    this.batches += 1;
    const items = batch.map((item) =>
      item.routingKey === undefined
        ? { id: item.id, doc: item.doc }
        : { id: item.id, routingKey: item.routingKey, doc: item.doc },
    );
    const { limits } = this.gateway;
    // One id per batch, the same for its retries, so the node can recognise a retried batch.
    const requestId = `${this.c.get('requestId')}.${this.batches}`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const reply = await this.gateway.ask(
          this.c,
          { type: 'BulkWrite', index: this.index, items, requestId },
          {
            deadline: Date.now() + limits.requestTimeoutMs,
            signal: AbortSignal.any([AbortSignal.timeout(limits.requestTimeoutMs), this.c.req.raw.signal]),
          },
        );
        this.itemsWritten += reply.itemsWritten;
        this.gateway.metrics.documentsWritten.inc(reply.itemsWritten);
        for (const error of reply.errors) {
          this.addError({
            line: batch[error.position]?.line ?? 0,
            id: error.id,
            error: error.error.code,
            message: error.error.message,
          });
        }
        return;
      } catch (error) {
        if (error instanceof OverloadedError && attempt < OVERLOAD_RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, FIRST_BACKOFF_MS * 2 ** attempt));
          continue;
        }
        const cameo = toCameoError(error);
        const first = batch[0]?.line ?? 0;
        const last = batch[batch.length - 1]?.line ?? first;
        this.addError({
          line: first,
          error: cameo.code,
          message: `batch of lines ${first}-${last} failed: ${cameo.message}`,
        });
        this.fatal = cameo;
        return;
      }
    }
  }
}

const registerIngestStreamRoute: RouteRegistrar = (app, gateway) => {
  // Not wrapped in gateway.handler: an upload may take far longer than one request
  // deadline; each batch has its own deadline instead.
  app.post('/api/:index/document/stream', async (c) => {
    const started = performance.now();
    const index = indexParam(c);
    const contentType = c.req.header('content-type');
    const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== undefined && mediaType !== '' && !NDJSON_TYPES.has(mediaType)) {
      throw unsupportedMediaType(`unsupported Content-Type "${contentType}": send application/x-ndjson`, {
        content_type: contentType,
      });
    }
    const body = openBody(c);
    const run = new IngestRun(gateway, c, index);
    if (body !== null) await ingest(run, body, gateway.limits.maxLineBytes);
    if (run.fatal === undefined) await run.flush();

    run.errors.sort((a, b) => a.line - b.line);
    const hadErrors = run.errors.length + run.suppressedErrors > 0;
    const status = !hadErrors ? 'ok' : run.itemsWritten > 0 ? 'partial' : 'refused';
    const report = {
      status,
      lines_received: run.linesReceived,
      items_written: run.itemsWritten,
      batches: run.batches,
      errors: run.errors,
      suppressed_errors: run.suppressedErrors,
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
    };
    if (status !== 'refused') return c.json(report, 200);
    // Nothing was written: answer with an error status (the batch failure's own, e.g. 404
    // or 503 + Retry-After, else 400 for bad lines) and the error shape plus the report.
    const mapped =
      run.fatal === undefined ? undefined : toErrorResponse(run.fatal, gateway.limits.retryAfterSeconds);
    for (const [name, value] of Object.entries(mapped?.headers ?? {})) c.header(name, value);
    return c.json(
      {
        error: mapped?.body.error ?? 'INGEST_REFUSED',
        details: mapped?.body.details ?? { message: 'no line of the stream could be written' },
        ...report,
      },
      (mapped?.status ?? 400) as 400,
    );
  });
};

/** Splits the body into lines and feeds them to the run, without holding more than one line. */
async function ingest(run: IngestRun, body: ReadableStream<Uint8Array>, maxLineBytes: number): Promise<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let partial: string[] = [];
  let partialLength = 0;
  let oversize = false;
  let line = 1;
  const endLine = async (tail: string): Promise<void> => {
    if (oversize || partialLength + tail.length > maxLineBytes) {
      run.linesReceived += 1;
      run.addError({
        line,
        error: ValidationError.code,
        message: `line ${line} is longer than ${maxLineBytes} bytes`,
      });
    } else {
      partial.push(tail);
      await run.acceptLine(partial.join(''), line);
    }
    partial = [];
    partialLength = 0;
    oversize = false;
    line += 1;
  };
  try {
    for await (const chunk of readChunks(body)) {
      const text = decoder.decode(chunk, { stream: true });
      let start = 0;
      for (;;) {
        const newline = text.indexOf('\n', start);
        if (newline === -1) {
          const rest = text.slice(start);
          if (!oversize) {
            partialLength += rest.length;
            if (partialLength > maxLineBytes) {
              // Drop what we have: the line will be reported, never buffered whole.
              oversize = true;
              partial = [];
            } else if (rest.length > 0) {
              partial.push(rest);
            }
          }
          break;
        }
        await endLine(text.slice(start, newline));
        if (run.fatal !== undefined) return;
        start = newline + 1;
      }
    }
    const last = decoder.decode();
    if (oversize || partialLength > 0 || last.length > 0) await endLine(last);
  } catch (error) {
    const cameo =
      error instanceof TypeError && /encoded data|decode/i.test(error.message)
        ? new ValidationError(`line ${line} is not valid UTF-8`)
        : toCameoError(error);
    run.addError({ line, error: cameo.code, message: cameo.message });
    run.fatal = cameo;
  }
}

export { registerIngestStreamRoute };
