/**
 * The compiled repair: the plan's actions turned into primitive operations, each plain data the
 * executor (repair.ps1) runs without deciding anything. Operations come in the phases Windows
 * needs: the volume check first (nothing loaded from the volume), then offline servicing of the
 * image (no hive loaded), then the registry, then the BCD store, then files.
 *
 * Registry and BCD writes are compare-and-set: each carries the value the TypeScript readers saw
 * in the shipped evidence (`expected`, null = absent). The executor applies an operation only when
 * the disk still holds `expected`, reports "already applied" when it holds `value`, and stops the
 * phase on anything else. The same operations tell the verification after the repair what the
 * returned hive must hold.
 */
import type { RepairActionName } from "../../vocabulary/repairActions";

export const OPERATION_PHASES = ["volume", "image", "registry", "bcd", "file"] as const;
export type OperationPhase = (typeof OPERATION_PHASES)[number];

/** A registry value as an operation writes or expects it. */
export type RegData =
  | { type: "REG_DWORD"; data: number }
  | { type: "REG_SZ" | "REG_EXPAND_SZ"; data: string }
  | { type: "REG_MULTI_SZ"; data: string[] };

/** A BCD element value: an integer, a boolean, or null for "not set". */
export type BcdData = number | boolean | null;

/**
 * How an operation is put back, as data the executor records next to what it observed. null: it
 * cannot be undone (chkdsk, offline servicing).
 */
export type UndoOp =
  | { op: "setValue"; value: RegData }
  | { op: "deleteValue" }
  | { op: "deleteKey" }
  | { op: "setElement"; value: BcdData }
  | { op: "moveBack" };

interface Base {
  /** The plan action this operation belongs to. */
  action: RepairActionName;
  /** What it acts on, in one line (`SYSTEM\<key>\<value>`, `BCD {guid} <element>`, the volume, a path). */
  target: string;
  undo: UndoOp | null;
}

export interface ChkdskOp extends Base {
  phase: "volume";
  op: "chkdsk";
}

export interface ImageOp extends Base {
  phase: "image";
  op: "dismRevertPendingActions" | "dismRestoreHealth" | "sfcScan" | "dismRemoveDriver";
  /** dismRemoveDriver: the published name (oemNN.inf). */
  publishedInf?: string;
  /** dismRestoreHealth: a repair source that matches the image (`wim:<path>:<index>` or a folder), never the image's own WinSxS. */
  source?: string;
  /** The helper's servicing stack must not be older than the image: the executor refuses below this build. */
  minHelperBuild: number | null;
}

export interface CreateKeyOp extends Base {
  phase: "registry";
  op: "createKey";
  hive: "SYSTEM";
  /** Below the hive's root, e.g. `ControlSet001\Control\CrashControl`. */
  key: string;
}

export interface SetValueOp extends Base {
  phase: "registry";
  op: "setValue";
  hive: "SYSTEM";
  key: string;
  name: string;
  /** What the evidence holds (null: the value is absent). */
  expected: RegData | null;
  value: RegData;
}

export interface SetElementOp extends Base {
  phase: "bcd";
  op: "setElement";
  /** The object's GUID in braces (the default loader's, or the boot manager's). */
  entry: string;
  /** The element's id, eight hex digits (its key name in the store), and its bcdedit name. */
  elementId: string;
  element: string;
  expected: BcdData;
  /** null: delete the element. */
  value: BcdData;
}

export interface QuarantineOp extends Base {
  phase: "file";
  op: "quarantine";
  /** Volume-relative path of the file to move. */
  path: string;
  /** Volume-relative folder it moves into (on the same volume; nothing is deleted). */
  to: string;
  /** The owner and ACL are recorded before ownership is taken; the undo restores them. */
  recordAcl: true;
}

export type Operation = ChkdskOp | ImageOp | CreateKeyOp | SetValueOp | SetElementOp | QuarantineOp;

export interface CompiledRepair {
  schemaVersion: 1;
  kind: "operationPlan";
  /** Names this plan's state on the disk and on the helper (a hash of its operations). */
  id: string;
  dryRun: boolean;
  /** The control set the edits go to (the next boot's: `Select\Default`, or LastKnownGood after a switch). */
  controlSet: string;
  /** The BCD entry the loader edits go to (the boot manager's default), when a store was read. */
  bootEntry: string | null;
  operations: Operation[];
  /** What the compilation left out and why (a service without a key, a no-op switch). */
  notes: string[];
}
