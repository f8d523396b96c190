import { hex } from "./hash";

/**
 * ObjectId-shaped ids (24 lowercase hex: 4-byte seconds timestamp + 8 random bytes), so frontends and
 * fixtures written against the spec's examples keep working, and ids sort roughly by creation time.
 */
export function newId(now: Date = new Date()): string {
  const seconds = Math.floor(now.getTime() / 1000) >>> 0;
  return seconds.toString(16).padStart(8, "0") + hex(crypto.getRandomValues(new Uint8Array(8)));
}

export const ID_PATTERN = /^[0-9a-f]{24}$/;

/** Words a path gives its own meaning, so never a participant's id or a token's subject (see `participantId`). */
export const RESERVED_PARTICIPANT_IDS = ["me", ".", ".."] as const;
export const isReservedSubject = (sub: string) => RESERVED_PARTICIPANT_IDS.some((word) => word === sub);
