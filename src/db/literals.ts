/**
 * Ids written into SQL as literals instead of bound parameters, where a list of them could pass D1's 100-parameter
 * limit (a grant of up to 50 cohorts, repeated in several branches of one statement). Only a value that is exactly a
 * 24-hex id — what every id column holds and every validator demanded — is ever written; anything else throws, so no
 * client text becomes SQL.
 */
import { type SQL, sql } from "drizzle-orm";

const HEX_ID = /^[0-9a-f]{24}$/i;

export function idLiteral(id: string): SQL {
  if (!HEX_ID.test(id)) throw new Error("id is not a 24-hex id");
  return sql.raw(`'${id}'`);
}

/** `(id, id, …)` for an IN list; callers handle the empty list (SQL has no empty IN list). */
export const idList = (ids: readonly string[]): SQL => sql`(${sql.join(ids.map(idLiteral), sql`, `)})`;
