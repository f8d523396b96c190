/** Vite's `?raw` imports (docs/api-notes.md, read by the error-code test; wrangler.toml). */
declare module "*?raw" {
  const text: string;
  export default text;
}
