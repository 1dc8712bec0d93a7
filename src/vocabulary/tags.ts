/**
 * The tags a rescue writes on what it creates and reads back to find it again (a re-run, a
 * rollback without a stack, the report). Declared once here for both clouds: Azure tags and EC2
 * tags carry the same keys and values.
 */

/** The rescue id (the stack name by default) on everything a rescue creates. */
export const ID_TAG = "vm-rescue:id";
/** On a standby helper: the rescue that uses it now (set at its start, removed at its teardown). */
export const STANDBY_CLAIM_TAG = "vm-rescue:standby-claim";
/** The claim tag as a Pulumi property path: the platform stack's helper ignores its changes. */
export const CLAIM_TAG_PATH = `tags["${STANDBY_CLAIM_TAG}"]`;
/** The broken VM or instance a resource was made for. */
export const SOURCE_TAG = "vm-rescue:source";
/** What a resource is to the rescue: one of {@link ROLES}. */
export const ROLE_TAG = "vm-rescue:role";
/** On every disk or volume made from the original (the repaired copy, the inPlace rollback volume). */
export const COPY_OF_TAG = "vm-rescue:copy-of";
/** On the AWS backup snapshot: the mode (`copy` or `inPlace`) — an inPlace rescue's way back. */
export const MODE_TAG = "vm-rescue:mode";
/** On a copy that a rollback took off the VM: the VM it was rolled back from. */
export const ROLLED_BACK_COPY_OF_TAG = "vm-rescue:rolled-back-copy-of";
/** On the swapped-in copy: which swap generation put it there (a raised setting swaps again). */
export const SWAP_GENERATION_TAG = "vm-rescue:swap-generation";
/** On the original OS disk once a copy replaced it: the VM it belongs to. */
export const ORIGINAL_OS_DISK_OF_TAG = "vm-rescue:original-os-disk-of";

/** Values of {@link ROLE_TAG}. */
export const BACKUP_ROLE = "backup";
export const HELPER_ROLE = "helper";
export const REPAIR_COPY_ROLE = "repair-copy";
export const ROLLBACK_FROM_BACKUP_ROLE = "rollback-from-backup";
