/** What vitest.config.ts hands the Node-side contract tests (`inject`). */
declare module "vitest" {
  export interface ProvidedContext {
    observedErrorsFile: string;
    partialRun: boolean;
  }
}

export {};
