/**
 * The server's clock: the only time that counts (deadlines, stamps, token expiry). Tests move it with
 * `setClock`; production never calls that.
 */
let source: () => Date = () => new Date();

export const now = (): Date => source();

export function setClock(next: (() => Date) | null): void {
  source = next ?? (() => new Date());
}
