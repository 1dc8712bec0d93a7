import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import schema from "../../schemas/report.schema.json";
import { buildReport, deleteCommand, helperMinutes, renderMarkdown, rescueStatus } from "./index";
import { blockedOutcome, failedOutcome, rescuedOutcome } from "../../tests/builders/outcomes";

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(schema);

function expectValid(report: unknown) {
  const ok = validate(report);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

describe("buildReport", () => {
  test("a rescued VM: status, exit 0, kept resources with delete commands, cost estimate; schema-valid", () => {
    const r = buildReport(rescuedOutcome());
    expect(r.status).toBe("rescued");
    expect(r.exitCode).toBe(0);
    expect(r.decision?.culprit?.module).toBe("cxnetmon.sys");
    expect(r.decision?.reasons.length).toBeGreaterThan(0);
    expect(r.repair?.results[0].undo[0]).toMatchObject({ kind: "registry", valueName: "Start" });
    expect(r.kept.map((k) => k.deleteCommand)).toEqual([
      expect.stringMatching(
        /^az snapshot delete --ids \/subscriptions\/.*app-vm-01-rescue-snapshot$/,
      ),
      expect.stringMatching(/^az disk delete --ids .* --yes$/),
      "az storage container delete --account-name appvm01rescue --name artifacts --auth-mode login",
    ]);
    // helper from create start (08:41) to delete end (08:59): 18 min at 0.188 $/h
    expect(r.cost).toMatchObject({
      size: "Standard_D2s_v5",
      minutes: 18,
      usdPerHour: 0.188,
      usd: 0.06,
    });
    expect(r.cost?.basis).toMatch(/estimate at list price/);
    expect(r.nextSteps.join("\n")).toMatch(
      /vm-rescue rollback --cloud azure --resource-group rg-app --vm app-vm-01 --stack app-vm-01-rescue/,
    );
    expectValid(r);
  });

  test("blocked by the driver check → exit 4 and next steps naming the driver", () => {
    const r = buildReport(blockedOutcome());
    expect(r.status).toBe("blocked");
    expect(r.exitCode).toBe(4);
    expect(r.swapBlocked).toBe(true);
    expect(r.nextSteps[0]).toMatch(/azure\.guestAgent.*install the current Windows guest agent/);
    expect(r.nextSteps.join("\n")).toMatch(/not touched/);
    expectValid(r);
  });

  test("the VM did not boot after the swap → failed, exit 1, rollback offered", () => {
    const r = buildReport(failedOutcome());
    expect(r.status).toBe("failed");
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([expect.stringMatching(/did not boot.*0x7B/)]);
    expect(r.nextSteps.join("\n")).toMatch(/Put the original disk back: `vm-rescue rollback/);
    expectValid(r);
  });

  test("a failed repair action, a failed step and a helper left behind are failures with next steps", () => {
    const o = rescuedOutcome();
    o.repair!.results[0].status = "failed";
    o.swap = { attempted: false, swapped: false };
    o.verify = { booted: null };
    o.helperRemoved = false;
    o.timeline.push({
      name: "x-repair",
      type: "t",
      op: "create",
      status: "failed",
      startedAt: o.startedAt,
      endedAt: o.endedAt,
      message: "timed out",
    });
    const r = buildReport(o);
    expect(r.status).toBe("failed");
    expect(r.errors).toEqual([
      expect.stringMatching(/DisableDriver failed/),
      "create x-repair failed: timed out",
    ]);
    expect(r.nextSteps.join("\n")).toMatch(/pulumi destroy --stack app-vm-01-rescue/);
    expect(r.nextSteps.join("\n")).toMatch(/still runs from its original OS disk/);
  });

  test("--no-swap / --dry-run: prepared, exit 0", () => {
    const o = {
      ...rescuedOutcome(),
      dryRun: true,
      swap: { attempted: false, swapped: false },
      verify: { booted: null },
    };
    const r = buildReport(o);
    expect(rescueStatus(o)).toBe("prepared");
    expect(r.exitCode).toBe(0);
    expect(r.nextSteps).toEqual([expect.stringMatching(/Dry run/)]);
  });

  test("an unknown helper size gives a cost without a price", () => {
    const r = buildReport({ ...rescuedOutcome(), helperSize: "Standard_Z99" });
    expect(r.cost).toMatchObject({ usdPerHour: null, usd: null });
    expect(r.cost?.basis).toMatch(/no list price for Standard_Z99/);
    expectValid(r);
  });
});

describe("helpers", () => {
  test("helperMinutes runs to the end of the run when the helper was not deleted", () => {
    const o = rescuedOutcome();
    expect(helperMinutes(o.timeline.slice(0, 2), o.endedAt)).toBe(19);
    expect(helperMinutes([], o.endedAt)).toBeNull();
  });

  test("delete commands for AWS and quoting of odd ids", () => {
    expect(deleteCommand("aws", "snapshot", "snap-0abc")).toBe(
      "aws ec2 delete-snapshot --snapshot-id snap-0abc",
    );
    expect(deleteCommand("aws", "repairedDisk", "vol-1")).toBe(
      "aws ec2 delete-volume --volume-id vol-1",
    );
    expect(deleteCommand("aws", "artifacts", "s3://bucket/inc-1")).toBe(
      "aws s3 rm s3://bucket/inc-1/ --recursive",
    );
    expect(deleteCommand("azure", "snapshot", "a b'c")).toBe(
      "az snapshot delete --ids 'a b'\\''c'",
    );
  });
});

describe("renderMarkdown", () => {
  test("has every section, the status and the delete commands", () => {
    const md = renderMarkdown(buildReport(rescuedOutcome()));
    for (const h of [
      "# vm-rescue report: RESCUED (exit 0)",
      "## Next steps",
      "## Triage",
      "## Guest-driver check",
      "## Repair decision",
      "## Repair results",
      "## Swap and boot",
      "## Kept",
      "## Timeline",
    ]) {
      expect(md).toContain(h);
    }
    expect(md).toMatch(/cxnetmon\.sys/);
    expect(md).toMatch(/`az snapshot delete --ids/);
    expect(md).toMatch(
      /Helper cost: ~\$0\.06 \(Standard_D2s_v5, 18 min × \$0\.188\/h; estimate at list price/,
    );
  });

  test("no '(none)' before bullets; an empty Evidence column is left out; no finding names the cloud or instance type", () => {
    const o = rescuedOutcome();
    const summaryOnly = renderMarkdown(
      buildReport({
        ...o,
        triage: [],
        decision: o.decision && {
          ...o.decision,
          reasons: o.decision.reasons.map((d) => ({ ...d, evidence: [] })),
        },
      }),
    );
    expect(summaryOnly).toMatch(
      /## Triage\n\n- 112926-9218-01\.dmp: 0x1000007E caused by cxnetmon\.sys\n/,
    );
    expect(summaryOnly).toMatch(/\| Action \| Why \|\n\|---\|---\|\n/);
    expect(summaryOnly).toContain(
      "No finding was raised against Azure: the guest drivers on the disk fit it.",
    );
    const noted = renderMarkdown(
      buildReport({
        ...o,
        decision: o.decision && {
          ...o.decision,
          reasons: [
            ...o.decision.reasons,
            { action: "none", reason: "the package stays installed", evidence: [] },
          ],
        },
      }),
    );
    expect(noted).toMatch(/\| note \| the package stays installed \|/);
    const aws = renderMarkdown(
      buildReport({
        ...o,
        cloud: "aws",
        vm: { instanceId: "i-0a1b2c3d4e5f67890", region: "eu-west-1", instanceType: "m5.large" },
      }),
    );
    expect(aws).toContain("No finding was raised against the AWS instance type m5.large");
    expect(aws).toMatch(
      /i-0a1b2c3d4e5f67890 \(eu-west-1\) was rescued: the repaired root volume is swapped in and the instance booted/,
    );
    const unread = buildReport({
      ...o,
      triage: [],
      triageSummary: [],
      findings: [],
      repair: null,
      evidence: [
        {
          document: "collect output",
          source: "https://a/collect.json",
          status: "invalid",
          message: "invalid collect output: /os: must be object",
        },
        {
          document: "repair result",
          source: "https://a/repair.json",
          status: "unreadable",
          message: "HTTP 403: denied",
        },
      ],
    });
    expectValid(unread);
    const md = renderMarkdown(unread);
    expect(md).toContain(
      "(no triage: the collect output was not read)\n\nEvidence: the collect output is not valid (https://a/collect.json): invalid collect output: /os: must be object",
    );
    expect(md).toContain("(not checked: the collect output was not read)");
    expect(md).toContain(
      "the repair result could not be read (https://a/repair.json): HTTP 403: denied",
    );
    expect(md).toMatch(/## Evidence read back\n\n- the collect output is not valid/);
  });

  test("a blocked report says so in the title", () => {
    expect(renderMarkdown(buildReport(blockedOutcome()))).toMatch(
      /^# vm-rescue report: BLOCKED by the guest-driver check \(exit 4\)/,
    );
  });
});

describe("kept resources never offer to delete the disk the VM boots from", () => {
  const withDisks = (swapped: boolean) => {
    const o = rescuedOutcome();
    o.swap = { attempted: swapped, swapped };
    o.kept = [
      {
        kind: "snapshot",
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/snap",
      },
      {
        kind: "originalDisk",
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/orig",
      },
      {
        kind: "repairedDisk",
        id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/copy",
      },
    ];
    return buildReport(o);
  };
  test("after a swap the repaired disk is in use, the original may go", () => {
    const r = withDisks(true);
    const by = Object.fromEntries(r.kept.map((k) => [k.kind, k]));
    expect(by.repairedDisk).toMatchObject({ inUse: true, deleteCommand: null });
    expect(by.originalDisk.deleteCommand).toMatch(/^az disk delete --ids .*\/disks\/orig --yes$/);
    expect(renderMarkdown(r)).toMatch(
      /\| repairedDisk \| .*\/disks\/copy \| keep: the VM boots from it \|/,
    );
    expectValid(r);
  });
  test("without a swap the original is in use, the repaired copy may go", () => {
    const by = Object.fromEntries(withDisks(false).kept.map((k) => [k.kind, k]));
    expect(by.originalDisk).toMatchObject({ inUse: true, deleteCommand: null });
    expect(by.repairedDisk.deleteCommand).toMatch(/\/disks\/copy --yes$/);
  });
});

test("a failed up whose outcome is unknown does not claim the VM was untouched; it points to rollback", () => {
  const o = rescuedOutcome();
  Object.assign(o, {
    swap: { attempted: false, swapped: false },
    verify: { booted: null },
    errors: ["pulumi up failed: OperationNotAllowed"],
  });
  const steps = buildReport(o).nextSteps.join("\n");
  expect(steps).not.toMatch(/nothing on it was changed/);
  expect(steps).toMatch(/stopped before its outcome was known.*vm-rescue rollback --cloud azure/);
  const known = rescuedOutcome();
  Object.assign(known, {
    swap: { attempted: false, swapped: false },
    verify: { booted: null },
    errors: ["create x-repair failed: timed out"],
  });
  expect(buildReport(known).nextSteps.join("\n")).toMatch(
    /still runs from its original OS disk; nothing on it was changed/,
  );
});

describe("AWS inPlace: the repaired volume is the instance's only root", () => {
  const inPlace = (swapped: boolean, dryRun: boolean) => {
    const o = rescuedOutcome();
    Object.assign(o, {
      cloud: "aws",
      vm: { instanceId: "i-0a1b2c3d4e5f67890", region: "eu-west-1" },
      dryRun,
      swap: { attempted: swapped, swapped },
      verify: { booted: swapped ? true : null },
    });
    o.kept = [
      { kind: "snapshot", id: "snap-0123456789abcdef0" },
      { kind: "repairedDisk", id: "vol-0a9b8c7d6e5f43210" },
    ];
    return buildReport(o);
  };
  test.each([
    [true, false],
    [false, false],
    [false, true],
  ])("swapped=%s dryRun=%s: never offered for deletion", (swapped, dryRun) => {
    const r = inPlace(swapped, dryRun);
    expect(r.kept.find((k) => k.kind === "repairedDisk")).toMatchObject({
      inUse: true,
      deleteCommand: null,
    });
    expect(JSON.stringify(r)).not.toContain("delete-volume");
  });
  test("a dry run says the instance was stopped, detached and reattached, not that nothing changed", () => {
    const steps = inPlace(false, true).nextSteps.join("\n");
    expect(steps).not.toMatch(/nothing was changed/);
    expect(steps).toMatch(/root volume was not written.*stopped and its root detached.*reattached/);
  });
});

describe("the check after the repair", () => {
  const differs = {
    ok: false,
    checked: 9,
    differences: [
      {
        where: "SYSTEM\\ControlSet001\\Services\\cxnetmon\\Start",
        kind: "differs" as const,
        expected: "REG_DWORD 4",
        found: "REG_DWORD 3",
      },
    ],
  };

  it("fails the rescue and names the difference in JSON and Markdown", () => {
    const report = buildReport({ ...rescuedOutcome(), repairCheck: differs });
    expect(report.status).toBe("failed");
    expect(report.exitCode).toBe(1);
    expect(report.errors.join("\n")).toContain(
      "SYSTEM\\ControlSet001\\Services\\cxnetmon\\Start differs, expected REG_DWORD 4, found REG_DWORD 3",
    );
    const md = renderMarkdown(report);
    expect(md).toContain("## Check after the repair (keeps the swap gate closed)");
    expect(md).toContain(
      "| SYSTEM\\ControlSet001\\Services\\cxnetmon\\Start | differs | REG_DWORD 4 | REG_DWORD 3 |",
    );
  });

  it("says what was compared when the hives match the plan", () => {
    const report = buildReport({
      ...rescuedOutcome(),
      repairCheck: { ok: true, checked: 9, differences: [] },
    });
    expect(report.status).toBe("rescued");
    expect(renderMarkdown(report)).toContain(
      "nothing else changed under the keys it touches (9 values compared)",
    );
  });
});

describe("the cited facts", () => {
  it("are listed with where each was read, and the report still matches its schema", () => {
    const report = buildReport({
      ...rescuedOutcome(),
      facts: [
        {
          fact: "/services/12/start",
          value: "1",
          source: "SYSTEM \\ControlSet001\\Services\\cxnetmon : Start",
        },
      ],
    });
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    expect(ajv.validate(schema, JSON.parse(JSON.stringify(report)))).toBe(true);
    expect(renderMarkdown(report)).toContain(
      "| /services/12/start | 1 | SYSTEM \\ControlSet001\\Services\\cxnetmon : Start |",
    );
  });
});

test("the destroy command of a helper left behind runs in the stack's project folder", () => {
  const o = { ...rescuedOutcome(), helperRemoved: false };
  const without = buildReport(o).nextSteps.join("\n");
  expect(without).toContain(`pulumi destroy --stack ${o.stack}\``);
  const at = buildReport({ ...o, projectDir: "/opt/vm rescue" }).nextSteps.join("\n");
  expect(at).toContain(`pulumi destroy --stack ${o.stack} --cwd '/opt/vm rescue'\``);
});
