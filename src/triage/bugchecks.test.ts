import { addressParameters, bugCheckName, lookupBugCheck } from "./bugchecks";

const NAMES: [number, string][] = [
  [0x7e, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED"],
  [0x1000007e, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M"],
  [0x1000008e, "KERNEL_MODE_EXCEPTION_NOT_HANDLED_M"],
  [0x1000000a, "IRQL_NOT_LESS_OR_EQUAL_M"],
  [0x3b, "SYSTEM_SERVICE_EXCEPTION"],
  [0xd1, "DRIVER_IRQL_NOT_LESS_OR_EQUAL"],
  [0x50, "PAGE_FAULT_IN_NONPAGED_AREA"],
  [0xc2, "BAD_POOL_CALLER"],
  [0x7b, "INACCESSIBLE_BOOT_DEVICE"],
  [0x133, "DPC_WATCHDOG_VIOLATION"],
  [0x9f, "DRIVER_POWER_STATE_FAILURE"],
  [0xef, "CRITICAL_PROCESS_DIED"],
  [0x1d3, "WFP_INVALID_OPERATION"],
  [0xdeaddead, "MANUALLY_INITIATED_CRASH1"],
];

test.each(NAMES.map(([code, name]) => [`0x${code.toString(16)}`, name, code] as const))(
  "%s is %s",
  (_hex, name, code) => {
    expect(bugCheckName(code)).toBe(name);
  },
);

test("unknown codes, and the 0x10000000 bit on codes without an _M variant, have no name", () => {
  expect(bugCheckName(0x4242)).toBeNull();
  expect(bugCheckName(0x100000ef)).toBeNull();
});

test("_M variants use their base code's parameters", () => {
  expect(lookupBugCheck(0x1000007e)).toMatchObject({
    baseCode: 0x7e,
    exceptionRecordParameter: 2,
    contextRecordParameter: 3,
  });
  expect(addressParameters(0x1000007e, [0n, 0n, 0n, 0n])).toEqual([
    { index: 1, meaning: "P2 (exception address)" },
  ]);
});

test("which parameter carries the code address", () => {
  const p = [0n, 0n, 0n, 0n];
  expect(addressParameters(0xa, p).map((a) => a.index)).toEqual([3]);
  expect(addressParameters(0x50, p).map((a) => a.index)).toEqual([2]);
  expect(addressParameters(0xc2, [0x9dn, 0n, 0n, 0n]).map((a) => a.index)).toEqual([3]);
  expect(addressParameters(0xc2, [0x7n, 0n, 0n, 0n])).toEqual([]);
  expect(addressParameters(0x7b, p)).toEqual([]);
  expect(addressParameters(0x133, p)).toEqual([]);
});
