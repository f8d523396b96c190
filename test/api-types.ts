import type { components, paths } from "../client/schema";

/*
 * Types a test's `call(method, path)` by the OpenAPI document the server publishes: the path string (a literal or
 * a template such as `/courses/${id}/steps?limit=2`) is matched segment by segment against the document's paths,
 * so renaming a response field breaks the tests' typecheck as it would break a generated client.
 */
type Segments<P extends string> = P extends `${infer Head}/${infer Rest}` ? [Head, ...Segments<Rest>] : [P];
type SegmentMatches<Pattern extends string, Actual extends string> = Pattern extends `{${string}}`
  ? true
  : Actual extends Pattern
    ? true
    : false;
type SegmentsMatch<Pattern extends unknown[], Actual extends unknown[]> = Pattern extends [infer PH extends string, ...infer PR]
  ? Actual extends [infer AH extends string, ...infer AR]
    ? SegmentMatches<PH, AH> extends true
      ? SegmentsMatch<PR, AR>
      : false
    : false
  : Actual extends []
    ? true
    : false;
type WithoutQuery<P extends string> = P extends `${infer Base}?${string}` ? Base : P;

type HttpMethod = "get" | "put" | "post" | "delete" | "patch";
type Operation<K extends keyof paths, M extends string> =
  Lowercase<M> extends HttpMethod & keyof paths[K] ? Exclude<paths[K][Lowercase<M>], undefined> : never;
type Candidates<P extends string, M extends string> = {
  [K in keyof paths & string]: SegmentsMatch<Segments<K>, Segments<WithoutQuery<P>>> extends true
    ? [Operation<K, M>] extends [never]
      ? never
      : K
    : never;
}[keyof paths & string];
/** A literal path (`/courses/enroll-default`) wins over a templated one (`/courses/{course_id}`), as in the router. */
export type PathOf<P extends string, M extends string> = WithoutQuery<P> extends Candidates<P, M> ? WithoutQuery<P> : Candidates<P, M>;

type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : never;
type SuccessBody<O> = O extends { responses: infer Rs }
  ? { [S in keyof Rs]: S extends 200 | 201 | 202 | 206 ? JsonOf<Rs[S]> : never }[keyof Rs]
  : never;

export type ErrorBody = components["schemas"]["Error"];
/**
 * What `call()` parses: the operation's success body, with the error fields optional so a test can assert either
 * (`res.status` tells which one came). Paths the document does not describe (`/openapi.json`, unknown routes) stay `any`.
 */
export type ResponseJson<M extends string, P extends string> = [PathOf<P, M>] extends [never]
  ? any
  : PathOf<P, M> extends infer K extends keyof paths
    ? [SuccessBody<Operation<K, M>>] extends [never]
      ? Partial<ErrorBody> & Record<string, never>
      : SuccessBody<Operation<K, M>> & Partial<ErrorBody>
    : any;
