/** The published JSON schemas of the rescue and fleet reports, compiled strictly once per file. */
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import reportSchema from "../../schemas/report.schema.json";
import fleetReportSchema from "../../schemas/fleet-report.schema.json";

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);

export const validateReport = ajv.compile(reportSchema);
export const validateFleetReport = ajv.compile(fleetReportSchema);
