/**
 * Generator of examples/112926-9218-01.dmp: the synthetic minidump of the sample story (Azure VM
 * app-vm-01, Windows Server 2019 build 17763, 0x1000007E in the NDIS filter driver cxnetmon.sys).
 *
 * The committed file must equal what this produces (src/triage/sampleDump.test.ts checks it). After a
 * change here, regenerate it with:  VM_RESCUE_UPDATE_SAMPLES=1 npx jest triage/sampleDump
 */
import * as path from "node:path";
import {
  DriverSpec,
  buildStack,
  contextRecordBytes,
  exceptionRecordBytes,
  writeDump,
} from "../tests/builders/dumpWriter";

export const SAMPLE_DUMP_FILE = path.join(__dirname, "112926-9218-01.dmp");

export const SAMPLE = {
  crashTime: "2026-11-29T06:12:44.000Z",
  build: 17763,
  bugCheck: 0x1000007e,
  cxnetmonBase: 0xfffff80512340000n,
  cxnetmonSize: 0x2f000,
  faultOffset: 0x1a2b4n,
  stackTop: 0xffffd20c4a7e6ee8n,
} as const;

const KERNEL = 0xfffff80510a00000n;
const SYS32 = "\\SystemRoot\\system32\\";

/** [name, base, size]: the boot and system drivers of a Windows Server 2019 Gen2 Azure VM. */
const MODULES: [string, bigint, number][] = [
  [`${SYS32}ntoskrnl.exe`, KERNEL, 0xab6000],
  [`${SYS32}hal.dll`, 0xfffff80510800000n, 0x6000],
  [`${SYS32}kd.dll`, 0xfffff80510810000n, 0xb000],
  [`${SYS32}mcupdate_GenuineIntel.dll`, 0xfffff80510820000n, 0x46000],
  [`${SYS32}PSHED.dll`, 0xfffff80510870000n, 0x19000],
  [`${SYS32}BOOTVID.dll`, 0xfffff80510890000n, 0xb000],
  ["CLFS.SYS", 0xfffff805118a0000n, 0x6a000],
  ["tm.sys", 0xfffff80511910000n, 0x27000],
  ["cmimcext.sys", 0xfffff80511940000n, 0xc000],
  ["FLTMGR.SYS", 0xfffff80511950000n, 0x6c000],
  [`${SYS32}CI.dll`, 0xfffff805119c0000n, 0xd1000],
  ["msrpc.sys", 0xfffff80511aa0000n, 0x61000],
  ["ksecdd.sys", 0xfffff80511b10000n, 0x2b000],
  ["Wdf01000.sys", 0xfffff80511b40000n, 0xe1000],
  ["WDFLDR.SYS", 0xfffff80511c30000n, 0x14000],
  ["acpiex.sys", 0xfffff80511c50000n, 0x26000],
  ["ACPI.sys", 0xfffff80511c80000n, 0xcd000],
  ["pci.sys", 0xfffff80511d60000n, 0x53000],
  ["partmgr.sys", 0xfffff80511dc0000n, 0x31000],
  ["volmgr.sys", 0xfffff80511e00000n, 0x15000],
  ["vmbus.sys", 0xfffff80511e20000n, 0x1e000],
  ["winhvr.sys", 0xfffff80511e40000n, 0x22000],
  ["storport.sys", 0xfffff80511e70000n, 0xad000],
  ["storvsc.sys", 0xfffff80511f20000n, 0x17000],
  ["disk.sys", 0xfffff80511f40000n, 0x1c000],
  ["CLASSPNP.SYS", 0xfffff80511f60000n, 0x63000],
  ["Ntfs.sys", 0xfffff80511fd0000n, 0x1d4000],
  ["ndis.sys", 0xfffff805121b0000n, 0x146000],
  ["NETIO.SYS", 0xfffff80512300000n, 0x39000],
  ["cxnetmon.sys", SAMPLE.cxnetmonBase, SAMPLE.cxnetmonSize],
  ["netvsc.sys", 0xfffff80512380000n, 0x30000],
  ["tcpip.sys", 0xfffff805123c0000n, 0x2c9000],
  ["fwpkclnt.sys", 0xfffff80512690000n, 0x4f000],
  ["afd.sys", 0xfffff805126f0000n, 0x9a000],
  ["volsnap.sys", 0xfffff80512790000n, 0x4f000],
  ["mountmgr.sys", 0xfffff805127e0000n, 0x1a000],
];

/** Deterministic stand-ins for the PE checksum and build-hash timestamp. */
function pseudo(name: string, salt: number): number {
  let h = 0x811c9dc5 ^ salt;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

const at = (name: string, offset: bigint): bigint => {
  const m = MODULES.find(([n]) => n.toLowerCase().endsWith(name.toLowerCase()));
  if (!m) throw new Error(`unknown module ${name}`);
  return m[1] + offset;
};

/** The bytes of examples/112926-9218-01.dmp. */
export function makeSampleDump(): Uint8Array {
  const faultIp = SAMPLE.cxnetmonBase + SAMPLE.faultOffset;
  const exceptionVa = SAMPLE.stackTop + 0x1000n;
  const contextVa = SAMPLE.stackTop + 0x1100n;
  const faultSp = SAMPLE.stackTop + 0x1800n;
  const drivers: DriverSpec[] = MODULES.map(([name, base, size]) => ({
    name,
    base,
    size,
    checksum: pseudo(name, 1) & 0xffffff,
    timestamp: pseudo(name, 2),
  }));
  const stack = buildStack(0x2000, [
    // KeBugCheckEx and the exception dispatch frames, then the faulting driver and its NDIS callers.
    { offset: 0x08, qword: at("ntoskrnl.exe", 0x1c46a0n) },
    { offset: 0x28, qword: at("ntoskrnl.exe", 0x26b1c5n) },
    { offset: 0x60, qword: faultIp },
    { offset: 0x98, qword: at("ntoskrnl.exe", 0x1d7a3dn) },
    {
      offset: 0x1000,
      bytes: exceptionRecordBytes({ code: 0xc0000005, address: faultIp, information: [0n, 0x18n] }),
    },
    { offset: 0x1100, bytes: contextRecordBytes("x64", { ip: faultIp, sp: faultSp }) },
    { offset: 0x1808, qword: at("cxnetmon.sys", 0x19e0cn) },
    { offset: 0x1858, qword: at("ndis.sys", 0x4c2e1n) },
    { offset: 0x18b0, qword: at("ndis.sys", 0x1a7f0n) },
    { offset: 0x1920, qword: at("netvsc.sys", 0x8c41n) },
    { offset: 0x19a8, qword: at("vmbus.sys", 0x52d3n) },
    { offset: 0x1a40, qword: at("ntoskrnl.exe", 0x2a8ba0n) },
  ]);
  return writeDump({
    machine: "x64",
    build: SAMPLE.build,
    processors: 2,
    bugCheck: SAMPLE.bugCheck,
    // P1 is the NTSTATUS sign-extended to 64 bits, as Windows stores it.
    parameters: [0xffffffffc0000005n, faultIp, exceptionVa, contextVa],
    crashTime: SAMPLE.crashTime,
    drivers,
    unloaded: [
      { name: "dam.sys", start: 0xfffff80512e00000n, end: 0xfffff80512e1c000n },
      { name: "WdBoot.sys", start: 0xfffff80511830000n, end: 0xfffff80511842000n },
      { name: "hwpolicy.sys", start: 0xfffff80512ec0000n, end: 0xfffff80512ed1000n },
    ],
    stack: { top: SAMPLE.stackTop, bytes: stack },
    context: { ip: faultIp, sp: faultSp },
    exception: { code: 0x80000003, address: at("ntoskrnl.exe", 0x1c46a0n), flags: 1 },
  });
}
