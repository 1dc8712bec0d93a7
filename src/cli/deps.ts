/**
 * The outside world of the commands that change a VM — the Automation API, the terminal's
 * confirmation, the clock, the artifact readers and the clouds' credentials — as objects the tests
 * replace fields of. The engine modules behind them load Pulumi and the cloud SDKs, so they are
 * required when first called: `vm-rescue --help` and the pure commands start without them.
 */
import type { Automation } from "../engine/automation";
import type { LiveRescueDeps } from "../engine/liveRescue";
import type { RollbackDeps } from "../engine/rollback";
import type { Clock } from "../clouds/azure/operations";
import { askOnTerminal } from "./terminal";

/** What `rescue` and `rollback --via-stack` need; tests pass fakes. */
export interface RescueDeps extends LiveRescueDeps {
  automation(): Automation;
  /** Asks a yes/no question on the terminal. */
  confirm(question: string): Promise<boolean>;
}

const automationModule = () =>
  require("../engine/automation") as typeof import("../engine/automation");
const artifactsModule = () =>
  require("../engine/artifacts") as typeof import("../engine/artifacts");
const live = () =>
  (require("../engine/rollback") as typeof import("../engine/rollback")).liveRollbackDeps;

export const defaultDeps: RescueDeps = {
  automation: () => automationModule().localAutomation(),
  confirm: askOnTerminal,
  now: () => new Date(),
  artifacts: (...args) => artifactsModule().artifactReaderFor(...args),
};

/** The real clock, loaded with the clouds. */
const lazyClock: Clock = {
  now: () => live().clock.now(),
  sleep: (ms, signal) => live().clock.sleep(ms, signal),
};

/** What the direct rollback needs: the clouds, and the confirmation (the rescue command's, unless replaced). */
export const rollbackDeps: RollbackDeps & { confirm(question: string): Promise<boolean> } = {
  azureCompute: (subscriptionId) => live().azureCompute(subscriptionId),
  azureSubscription: () => live().azureSubscription(),
  awsContext: (region) => live().awsContext(region),
  awsRegion: () => live().awsRegion(),
  clock: lazyClock,
  confirm: (question) => defaultDeps.confirm(question),
};
