import { moduleOffset, type TriageDetails } from "./index";

/**
 * One line per dump, with BlueScreenView's main columns: dump file, crash time, bug check string and
 * code, parameters, caused-by driver and address, crash address, OS build.
 */
export function renderRow(d: TriageDetails): string {
  const r = d.result;
  if (r.error !== null || !r.bugCheck) return `${r.file}  error: ${r.error}`;
  const time = r.crashTime
    ? r.crashTime.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC")
    : "crash time unknown";
  const bug = `${r.bugCheck.name ?? "unknown bug check"} (${r.bugCheck.code})`;
  const params = r.bugCheck.parameters.join(" ");
  const cause = r.causedBy
    ? `caused by ${r.causedBy.module} at ${r.causedBy.module}+${r.causedBy.offset} [${r.causedBy.method}]`
    : `caused by: undetermined (${d.analysis?.evidence.at(-1) ?? "no evidence"})`;
  const crash = d.analysis?.crashAddress
    ? `crash address ${moduleOffset(d.analysis.crashAddress.module, d.analysis.crashAddress.offset)}`
    : "crash address unknown";
  const os = r.os ? `build ${r.os.build} ${r.os.machine}, ${r.drivers} drivers` : "";
  return [r.file, time, bug, params, cause, crash, os].join("  ");
}
