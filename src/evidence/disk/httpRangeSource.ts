import * as http from "http";
import * as https from "https";
import { FormatError } from "../formatError";
import { assertReadRange, type ByteSource } from "./byteSource";
import { cachedSource } from "./cachedSource";

export const HTTP_DEFAULT_BLOCK_SIZE = 1024 * 1024;
export const HTTP_DEFAULT_CACHE_BLOCKS = 64;
export const HTTP_DEFAULT_MAX_REQUESTS = 100_000;
export const HTTP_DEFAULT_MAX_BYTES = 32 * 1024 ** 3;
export const HTTP_DEFAULT_MAX_RETRIES = 6;
export const HTTP_DEFAULT_TIMEOUT_MS = 30_000;

export interface HttpRangeOptions {
  /** Reads are aligned to and cached in blocks of this size (default 1 MiB). */
  blockSize?: number;
  /** Blocks kept in the read cache (default 64, i.e. 64 MiB). */
  cacheBlocks?: number;
  /** Requests allowed over the source's life, probe included (default 100 000). */
  maxRequests?: number;
  /** Response body bytes allowed over the source's life (default 32 GiB). */
  maxBytes?: number;
  /** Consecutive failed attempts of one read before giving up (default 6). */
  maxRetries?: number;
  /** Base and cap of the exponential backoff between retries (defaults 250 ms, 20 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Socket inactivity that counts as a failed attempt (default 30 s). */
  timeoutMs?: number;
  /** Ends the reads: a request in flight is abandoned and no further one starts (not retried). */
  signal?: AbortSignal;
  /** Extra request headers (e.g. `x-ms-version`). */
  headers?: Record<string, string>;
  /** Label for messages; defaults to the URL without its query string. */
  label?: string;
  /** Injected for tests: the backoff sleep and the jitter source. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface HttpStats {
  requests: number;
  bytes: number;
  retries: number;
}

export interface HttpRangeSource extends ByteSource {
  readonly stats: HttpStats;
  /** Releases the keep-alive sockets. */
  close(): void;
}

/** A failed attempt that another attempt may fix (5xx, 429, reset, timeout, empty body). */
class RetryableError extends Error {}

/** The probe's 416 answer for an empty resource ("bytes *\/0"): not a failure. */
class EmptyResource extends Error {
  constructor(readonly total: number) {
    super("empty resource");
  }
}

interface Response {
  /** The bytes received for [start, …], possibly fewer than asked (a short read). */
  body: Buffer;
  /** The total size from Content-Range. */
  total: number;
}

/**
 * Reads a remote disk (an Azure snapshot's read-only SAS URL) with HTTP Range GETs. The size comes
 * from a `bytes=0-0` probe; reads go through an LRU of aligned blocks, so each block is fetched
 * once; failed attempts are retried with exponential backoff and full jitter, short bodies are
 * completed with further requests, and request and byte budgets stop a runaway read. The URL's
 * query string (the SAS signature) never appears in a label or message.
 */
export async function httpRangeSource(
  url: string,
  options: HttpRangeOptions = {},
): Promise<HttpRangeSource> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FormatError("http-url", "HTTP range source: the URL does not parse");
  }
  const secure = parsed.protocol === "https:";
  if (!secure && parsed.protocol !== "http:") {
    throw new FormatError("http-url", `HTTP range source: unsupported scheme ${parsed.protocol}`);
  }
  const label = options.label ?? `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  const maxRequests = options.maxRequests ?? HTTP_DEFAULT_MAX_REQUESTS;
  const maxBytes = options.maxBytes ?? HTTP_DEFAULT_MAX_BYTES;
  const maxRetries = options.maxRetries ?? HTTP_DEFAULT_MAX_RETRIES;
  const baseDelay = options.baseDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 20_000;
  const timeoutMs = options.timeoutMs ?? HTTP_DEFAULT_TIMEOUT_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 4 })
    : new http.Agent({ keepAlive: true, maxSockets: 4 });
  const stats: HttpStats = { requests: 0, bytes: 0, retries: 0 };

  /** One GET of bytes [start, end]; resolves with what arrived, rejects retryable or fatal. */
  function get(start: number, end: number): Promise<Response> {
    const range = `bytes ${start}-${end}`;
    if (stats.requests >= maxRequests) {
      throw new FormatError(
        "http-request-budget",
        `${label}: request budget of ${maxRequests} spent before GET ${range}`,
      );
    }
    if (stats.bytes + (end - start + 1) > maxBytes) {
      throw new FormatError(
        "http-byte-budget",
        `${label}: byte budget of ${maxBytes} would be exceeded by GET ${range}`,
      );
    }
    const fatal = (code: string, problem: string) =>
      new FormatError(code, `${label}: GET ${range}: ${problem}`);
    const signal = options.signal;
    if (signal?.aborted) throw fatal("http-aborted", "cancelled before the request");
    stats.requests++;
    return new Promise<Response>((resolve, reject) => {
      const request = (secure ? https : http).request(parsed, {
        method: "GET",
        agent,
        headers: { ...options.headers, Range: `bytes=${start}-${end}` },
        ...(signal ? { signal } : {}),
      });
      request.setTimeout(timeoutMs, () => request.destroy(new RetryableError("timed out")));
      request.on("error", (e: NodeJS.ErrnoException) => {
        if (signal?.aborted) return reject(fatal("http-aborted", "cancelled"));
        reject(e instanceof RetryableError ? e : new RetryableError(e.code ?? "connection failed"));
      });
      request.on("response", (response) => {
        const status = response.statusCode ?? 0;
        const stop = (error: Error) => {
          response.destroy();
          reject(error);
        };
        if (status >= 500 || status === 429 || status === 408) {
          return stop(new RetryableError(`answered ${status}`));
        }
        if (status === 200) {
          return stop(fatal("http-no-range", "answered 200 with the whole resource: no ranges"));
        }
        const contentRange = String(response.headers["content-range"] ?? "");
        if (status === 416) {
          const total = /^bytes \*\/(\d+)$/.exec(contentRange);
          if (total && start === 0) return stop(new EmptyResource(+total[1]));
          return stop(fatal("http-range-not-satisfiable", "answered 416"));
        }
        if (status !== 206) {
          const hint = status === 403 ? " (an expired or revoked SAS?)" : "";
          return stop(fatal("http-status", `answered ${status}${hint}`));
        }
        const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange);
        if (!m || +m[1] !== start || +m[2] < start || +m[2] > end) {
          const shown = contentRange.slice(0, 60);
          return stop(fatal("http-range-mismatch", `Content-Range "${shown}" does not fit`));
        }
        const expected = +m[2] - start + 1;
        const chunks: Buffer[] = [];
        let received = 0;
        const finish = () => resolve({ body: Buffer.concat(chunks, received), total: +m[3] });
        response.on("data", (chunk: Buffer) => {
          if (received + chunk.length > expected) {
            return stop(fatal("http-range-mismatch", `body longer than ${expected} bytes`));
          }
          chunks.push(chunk);
          received += chunk.length;
          stats.bytes += chunk.length;
        });
        response.on("end", finish);
        // a connection cut mid-body keeps what arrived: the caller asks for the rest
        response.on("error", finish);
        response.on("aborted", finish);
      });
      request.end();
    });
  }

  /** Runs `attempt` until it succeeds, retrying RetryableErrors with backoff. */
  async function withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let failures = 0; ;) {
      try {
        return await attempt();
      } catch (e) {
        if (!(e instanceof RetryableError)) throw e;
        failures++;
        if (failures > maxRetries) {
          throw new FormatError(
            "http-retries-exhausted",
            `${label}: ${what} failed ${failures} times, last: ${e.message}`,
          );
        }
        stats.retries++;
        await sleep(random() * Math.min(maxDelay, baseDelay * 2 ** (failures - 1)));
      }
    }
  }

  const size = await withRetries("size probe (GET bytes 0-0)", async () => {
    try {
      const probe = await get(0, 0);
      if (probe.body.length !== 1) throw new RetryableError("empty probe body");
      return probe.total;
    } catch (e) {
      if (e instanceof EmptyResource) return e.total;
      throw e;
    }
  });

  const remote: ByteSource = {
    size,
    label,
    async read(offset, length) {
      assertReadRange(label, size, offset, length);
      const parts: Buffer[] = [];
      let pos = offset;
      const end = offset + length;
      while (pos < end) {
        const what = `GET bytes ${pos}-${end - 1}`;
        const got = await withRetries(what, async () => {
          const { body, total } = await get(pos, end - 1);
          if (total !== size) {
            throw new FormatError(
              "http-size-changed",
              `${label}: ${what}: resource is now ${total} bytes, was ${size}`,
            );
          }
          if (body.length === 0) throw new RetryableError("empty body");
          return body;
        });
        parts.push(got);
        pos += got.length;
      }
      return Buffer.concat(parts, length);
    },
  };
  const cached = cachedSource(remote, {
    blockSize: options.blockSize ?? HTTP_DEFAULT_BLOCK_SIZE,
    maxBlocks: options.cacheBlocks ?? HTTP_DEFAULT_CACHE_BLOCKS,
  });
  return {
    size,
    label,
    stats,
    read: (offset, length) => cached.read(offset, length),
    close: () => agent.destroy(),
  };
}
