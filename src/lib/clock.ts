import { graceSeconds } from "../domain/exams";
import type { AppContext } from "../env";

/**
 * The server's clock: the only time that counts (deadlines, stamps, token expiry). Tests move it with
 * `setClock`; production never calls that.
 */
let source: () => Date = () => new Date();

export const now = (): Date => source();

export function setClock(next: (() => Date) | null): void {
  source = next ?? (() => new Date());
}

/** The request's time and the configured grace after an exam deadline: what every expiry decision takes. */
export const examClock = (c: AppContext) => ({ now: c.get("now"), graceSeconds: graceSeconds(c.env.EXAM_GRACE_SECONDS) });
