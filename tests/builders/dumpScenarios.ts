/**
 * Building blocks for synthetic crash scenarios in tests: a small, plausible module list and a
 * spec factory on top of {@link writeDump}.
 */
import { DriverSpec, DumpSpec, buildStack, writeDump } from "./dumpWriter";

export const KERNEL_BASE = 0xfffff80478000000n;

/** ntoskrnl, hal, kd (the "reporters") and a few drivers at non-overlapping bases. */
export const DRIVERS: Record<string, DriverSpec> = {
  kernel: { name: "\\SystemRoot\\system32\\ntoskrnl.exe", base: KERNEL_BASE, size: 0x1046000 },
  hal: { name: "\\SystemRoot\\system32\\hal.dll", base: 0xfffff80477e00000n, size: 0x6000 },
  kd: { name: "\\SystemRoot\\system32\\kd.dll", base: 0xfffff80477e10000n, size: 0xb000 },
  ndis: { name: "ndis.sys", base: 0xfffff8047a000000n, size: 0x146000 },
  storport: { name: "storport.sys", base: 0xfffff8047a200000n, size: 0xad000 },
  cxnetmon: { name: "cxnetmon.sys", base: 0xfffff8047a400000n, size: 0x2f000 },
  vmbus: { name: "vmbus.sys", base: 0xfffff8047a500000n, size: 0x1e000 },
};

export const STACK_TOP = 0xffff8a0c12340000n;
export const STACK_SIZE = 0x2000;

/** `module+offset` as an absolute address in the scenario's module list. */
export function addr(module: keyof typeof DRIVERS, offset: bigint): bigint {
  return DRIVERS[module].base + offset;
}

/** A dump of the standard modules with an empty captured stack; override anything. */
export function scenario(
  overrides: Partial<DumpSpec> & Pick<DumpSpec, "bugCheck" | "parameters">,
): Uint8Array {
  return writeDump({
    drivers: Object.values(DRIVERS),
    stack: { top: STACK_TOP, bytes: buildStack(STACK_SIZE, []) },
    context: { ip: addr("kernel", 0x3f5a80n), sp: STACK_TOP + 0x1800n },
    crashTime: "2026-11-29T06:12:44.000Z",
    ...overrides,
  });
}
