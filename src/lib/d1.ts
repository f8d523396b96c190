import { drizzle } from "drizzle-orm/d1";
import type { Db } from "../db/types";
import type { RoundTrips } from "../env";
import { ApiError } from "./errors";

/**
 * D1 with the retries Cloudflare recommends: a statement that failed on a transient error ("Network
 * connection lost", "reset", "transient issue on remote node") is tried again with jittered backoff, when it
 * is safe to repeat; "overloaded" becomes a 503 with Retry-After. Safe to repeat: reads, and writes whose
 * repetition changes nothing (this API's UPDATEs and DELETEs are conditional and set absolute values;
 * INSERT … ON CONFLICT adds nothing twice) and whose reply does not depend on being the first (no RETURNING).
 * A plain INSERT of a new row is never retried: it may have landed.
 */
const TRANSIENT = /Network connection lost|connection reset|\breset\b|transient issue on remote node|D1_ERROR: Internal error/i;
const OVERLOADED = /overloaded|Too many requests queued|exceeded its CPU|D1 DB is overloaded/i;
export const RETRY_DELAYS_MS = [25, 100, 250];

/** Test seam: lets tests inject D1 errors before statements reach the database. Production never sets it. */
type FaultInjector = (sql: string, attempt: number) => Error | null;
let injector: FaultInjector | null = null;
export function setD1FaultInjector(next: FaultInjector | null): void {
  injector = next;
}

export function isSafeToRepeat(sql: string): boolean {
  const text = sql.trim().toUpperCase();
  if (text.startsWith("SELECT")) return true;
  // A CTE may lead into a write (`WITH … INSERT`): only a CTE with no write in it is a read.
  if (text.startsWith("WITH")) return !/\b(INSERT|UPDATE|DELETE|REPLACE)\b/.test(text);
  // A write whose RETURNING decides the answer cannot be repeated blindly: if the first try committed and
  // only its reply was lost, the repeat matches nothing and would report a false conflict.
  if (/\bRETURNING\b/.test(text)) return false;
  // An INSERT is safe to repeat only when a repeat cannot add a row: ON CONFLICT plus a unique key.
  if (text.startsWith("INSERT")) return /\bON CONFLICT\b/.test(text);
  return text.startsWith("UPDATE") || text.startsWith("DELETE");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withRetries<T>(sqls: string[], run: () => Promise<T>, trips: RoundTrips | null): Promise<T> {
  const safe = sqls.every(isSafeToRepeat);
  for (let attempt = 0; ; attempt++) {
    if (trips) trips.count++;
    try {
      const fault = injector?.(sqls.join(";\n"), attempt) ?? null;
      if (fault) throw fault;
      return await run();
    } catch (error) {
      const message = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
      if (OVERLOADED.test(message))
        throw new ApiError(503, "database_overloaded", "The database is busy; retry shortly", undefined, { "retry-after": "1" });
      const base = RETRY_DELAYS_MS[attempt]; // none left after the last retry
      if (!safe || !TRANSIENT.test(message) || base === undefined) throw error;
      await sleep(base / 2 + Math.random() * base);
    }
  }
}

/**
 * What one request cost in D1: round trips (each statement call or batch), rows read and written from D1's
 * own result meta, and the SQL run. Collected only when `D1_STATS` is set (the benchmark), where statements
 * run with `all()` so their meta is visible (`raw()` returns none).
 */
export type D1Stats = {
  calls: number;
  rows_read: number;
  rows_written: number;
  /** Statements run (a batch counts each of its statements) and the time SQLite spent in them (D1's `duration`). */
  statements: number;
  sql_ms: number;
  sql: { sql: string; rows_read: number }[];
};

type Meta = { meta?: { rows_read?: number; rows_written?: number; duration?: number } };

function tally(stats: D1Stats, sql: string, meta: Meta["meta"]) {
  stats.statements++;
  stats.sql.push({ sql, rows_read: meta?.rows_read ?? 0 });
  stats.rows_read += meta?.rows_read ?? 0;
  stats.rows_written += meta?.rows_written ?? 0;
  stats.sql_ms += meta?.duration ?? 0;
}

class RetryingStatement implements D1PreparedStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    readonly sql: string,
    readonly stats: D1Stats | null,
    readonly trips: RoundTrips | null,
  ) {}
  bind(...values: unknown[]): RetryingStatement {
    return new RetryingStatement(this.inner.bind(...values), this.sql, this.stats, this.trips);
  }
  private count<T>(result: T): T {
    if (this.stats) {
      this.stats.calls++;
      tally(this.stats, this.sql, (result as Meta)?.meta);
    }
    return result;
  }
  first<T = unknown>(colName: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  first<T>(column?: string): Promise<T | null> {
    return withRetries(
      [this.sql],
      async () => {
        if (!this.stats) return column === undefined ? this.inner.first<T>() : this.inner.first<T>(column);
        const result = this.count(await this.inner.all<Record<string, unknown>>());
        const row = result.results[0] ?? null;
        return (column === undefined ? row : (row?.[column] ?? null)) as T | null;
      },
      this.trips,
    );
  }
  run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return withRetries([this.sql], async () => this.count(await this.inner.run<T>()), this.trips);
  }
  all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return withRetries([this.sql], async () => this.count(await this.inner.all<T>()), this.trips);
  }
  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<[string[], ...T[]] | T[]> {
    return withRetries(
      [this.sql],
      async () => {
        if (!this.stats) return options?.columnNames ? this.inner.raw<T>({ columnNames: true }) : this.inner.raw<T>();
        // Stats mode: all() carries meta; rows come back in column order (joined columns carry unique aliases).
        const result = this.count(await this.inner.all<Record<string, unknown>>());
        const rows = result.results.map((r) => Object.values(r) as T);
        return options?.columnNames ? [Object.keys(result.results[0] ?? {}), ...rows] : rows;
      },
      this.trips,
    );
  }
}

/**
 * Wraps a D1 binding (or session) so every statement and batch made through it retries as described above. It
 * is a whole `D1Database` so drizzle takes it as it is; a session has no `exec`, `withSession` or `dump`, and
 * nothing in this API calls them on a request's database.
 */
class RetryingD1 implements D1Database {
  constructor(
    private readonly db: D1Database | D1DatabaseSession,
    private readonly stats: D1Stats | null,
    private readonly trips: RoundTrips | null,
  ) {}
  prepare(sql: string): RetryingStatement {
    return new RetryingStatement(this.db.prepare(sql), sql, this.stats, this.trips);
  }
  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    const ours = statements.map((s) => {
      if (!(s instanceof RetryingStatement)) throw new TypeError("batch() takes statements prepared through the same wrapper");
      return s;
    });
    const stats = this.stats;
    return withRetries(
      ours.map((s) => s.sql),
      async () => {
        const results = await this.db.batch<T>(ours.map((s) => s.inner));
        if (stats) {
          stats.calls++;
          for (const [i, statement] of ours.entries()) {
            tally(stats, statement.sql, (results[i] as Meta | undefined)?.meta); // one result per statement
          }
        }
        return results;
      },
      this.trips,
    );
  }
  exec(query: string): Promise<D1ExecResult> {
    if (!("exec" in this.db)) throw new TypeError("exec() is not available through a D1 session");
    return this.db.exec(query);
  }
  withSession(constraintOrBookmark?: D1SessionBookmark | D1SessionConstraint): D1DatabaseSession {
    if (!("withSession" in this.db)) throw new TypeError("a D1 session cannot open another session");
    return this.db.withSession(constraintOrBookmark);
  }
  dump(): Promise<ArrayBuffer> {
    if (!("dump" in this.db)) throw new TypeError("dump() is not available through a D1 session");
    return this.db.dump();
  }
}

export function retryingD1(db: D1Database | D1DatabaseSession, stats: D1Stats | null = null, trips: RoundTrips | null = null): D1Database {
  return new RetryingD1(db, stats, trips);
}

/** The API's database handle: drizzle over D1 (or one of its sessions), with retries, counted round trips and stats. */
export const openDb = (d1: D1Database | D1DatabaseSession, stats: D1Stats | null = null, trips: RoundTrips | null = null): Db =>
  drizzle(retryingD1(d1, stats, trips));
