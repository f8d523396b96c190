/**
 * The one error type of the API. Handlers throw it; the app's onError turns it into
 * `{ detail, code, errors? }` with its status. `code` is stable for clients to branch on,
 * `detail` is for people.
 */
export type FieldError = { path: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 411 | 413 | 415 | 416 | 422 | 429 | 500 | 503,
    readonly code: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

export const badRequest = (code: string, detail: string, errors?: FieldError[]) =>
  new ApiError(400, code, detail, errors);
export const unauthorized = (detail: string) => new ApiError(401, "unauthorized", detail);
export const forbidden = (detail: string, code = "forbidden") => new ApiError(403, code, detail);
export const notFound = (what: string, id?: string) =>
  new ApiError(404, `${what.toLowerCase().replace(/[^a-z]+/g, "_")}_not_found`, id ? `${what} '${id}' not found` : `${what} not found`);
export const conflict = (code: string, detail: string) => new ApiError(409, code, detail);
