/**
 * The outside world of the commands that change a VM — the Automation API, the terminal's
 * confirmation, the clock, the artifact readers and the clouds' credentials — as objects the tests
 * replace fields of.
 */
import { Automation, localAutomation } from "../engine/automation";
import { artifactReaderFor } from "../engine/artifacts";
import type { LiveRescueDeps } from "../engine/liveRescue";
import { liveRollbackDeps, type RollbackDeps } from "../engine/rollback";
import { askOnTerminal } from "./terminal";

/** What `rescue` and `rollback --via-stack` need; tests pass fakes. */
export interface RescueDeps extends LiveRescueDeps {
  automation(): Automation;
  /** Asks a yes/no question on the terminal. */
  confirm(question: string): Promise<boolean>;
}

export const defaultDeps: RescueDeps = {
  automation: localAutomation,
  confirm: askOnTerminal,
  now: () => new Date(),
  artifacts: artifactReaderFor,
};

/** What the direct rollback needs: the clouds, and the confirmation (the rescue command's, unless replaced). */
export const rollbackDeps: RollbackDeps & { confirm(question: string): Promise<boolean> } = {
  ...liveRollbackDeps,
  confirm: (question) => defaultDeps.confirm(question),
};
