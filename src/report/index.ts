export * from "./types";
export {
  buildReport,
  rescueStatus,
  deleteCommand,
  helperMinutes,
  costEstimate,
  nextSteps,
  STATUS_EXIT_CODE,
} from "./build";
export { renderMarkdown } from "./markdown";
export { HELPER_PRICES_USD_PER_HOUR, helperPricePerHour, PRICE_BASIS } from "./prices";
export {
  modeledTimeToRecovery,
  stepsFromPlan,
  azureOpsFor,
  phaseOf,
  ttrLine,
  formatDuration,
} from "../recoveryTime/azure";
export type { ModeledTtr, PlanResourceShape, TtrOptions, Phase } from "../recoveryTime/azure";
export { citedFacts } from "./facts";
export type { CitedFact } from "./facts";
