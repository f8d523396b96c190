/** A keyset position as lib/pagination encodes it (kept here as a type so progress depends on no lib module). */
export type CursorValues = (string | number | null)[];
