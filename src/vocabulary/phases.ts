/** The phases of a rescue after the helper is up, in order: the timeline, the report and the model use these. */
export const PHASES = ["collect", "triage", "repair", "swap", "verify"] as const;
export type Phase = (typeof PHASES)[number];
