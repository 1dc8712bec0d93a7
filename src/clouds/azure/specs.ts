/**
 * Property specs and settings the Azure step kinds and helper VMs share, and the test for a
 * resource Azure no longer has.
 */
import type { PropertySpec } from "../../steps/contract";
import * as compute from "@pulumi/azure-native/compute";

/** The inputs that name the VM a step acts on. */
export const vmSpecs = {
  subscriptionId: { type: "string", description: "The VM's subscription." },
  resourceGroupName: { type: "string", description: "The VM's resource group." },
  vmName: { type: "string", description: "The broken VM." },
  rescueId: { type: "string", description: "The rescue (its tags name it)." },
} as const satisfies Record<string, PropertySpec>;

/** A list of reason lines. */
export const reasonsSpec = (description: string): PropertySpec => ({
  type: "array",
  items: { type: "string", description: "One line." },
  description,
});

/** HTTP 404 (the VM or disk is gone). */
export const isNotFound = (e: unknown): boolean =>
  (e as { statusCode?: number } | null)?.statusCode === 404;

/**
 * Every helper VM's Windows settings: the VM agent (Run Command needs it), no automatic updates or
 * patching (a rescue must not reboot it under the repair).
 */
export const HELPER_WINDOWS_CONFIGURATION = {
  provisionVMAgent: true,
  enableAutomaticUpdates: false,
  patchSettings: { patchMode: compute.WindowsVMGuestPatchMode.Manual },
};
