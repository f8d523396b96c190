/** Vite's `?raw` imports (the README, read by the error-code test). */
declare module "*?raw" {
  const text: string;
  export default text;
}
