/** Row ids as they arrive in paths, queries and cursors (the console's pages, keyset cursors). */

/** The largest id a row can have: PostgreSQL's `serial` is a 32-bit integer (a larger one in a query is an error). */
export const MAX_ROW_ID = 2_147_483_647;

/** True for the decimal text of a row id, within what both databases hold. */
export function isRowId(text: string): boolean {
  return /^[0-9]{1,10}$/.test(text) && Number(text) >= 1 && Number(text) <= MAX_ROW_ID;
}
