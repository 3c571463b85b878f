/**
 * Validates the values the program passes to an upstream chart the way Helm does: the chart's default
 * values overlaid with ours (maps merge key by key, lists and scalars replace, null deletes a key), then
 * checked against the chart version's own values schema from ../shared/chart-schemas/.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import Ajv from "ajv";
import Ajv2020 from "ajv/dist/2020";
import { CHARTS, ChartKey } from "../../components/versions";

export const CHART_SCHEMAS_DIR = path.resolve(__dirname, "..", "..", "..", "shared", "chart-schemas");

/** Helm's coalescing of user values onto chart defaults. */
export function mergeValues(defaults: unknown, overrides: unknown): unknown {
  if (overrides === undefined) return defaults;
  if (!isMap(defaults) || !isMap(overrides)) return overrides;
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete out[k];
    else out[k] = mergeValues(defaults[k], v);
  }
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Whether ../shared/chart-schemas has a values schema for this pinned chart. */
export function hasSchema(key: ChartKey): boolean {
  const pin = CHARTS[key];
  return fs.existsSync(path.join(CHART_SCHEMAS_DIR, `${pin.chart}-${pin.version}.values.schema.json`));
}

export function chartDefaults(key: ChartKey): Record<string, unknown> {
  const pin = CHARTS[key];
  const file = path.join(CHART_SCHEMAS_DIR, `${pin.chart}-${pin.version}.values.yaml`);
  return (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
}

const compiled = new Map<ChartKey, ReturnType<Ajv["compile"]>>();

/**
 * Errors Helm would report for these values, as `<instancePath> <message>` strings (empty when valid).
 * Throws when the pinned chart has no schema in ../shared/chart-schemas.
 */
export function chartValuesErrors(key: ChartKey, values: unknown): string[] {
  const pin = CHARTS[key];
  let validate = compiled.get(key);
  if (!validate) {
    const file = path.join(CHART_SCHEMAS_DIR, `${pin.chart}-${pin.version}.values.schema.json`);
    const schema = JSON.parse(fs.readFileSync(file, "utf8"));
    const is2020 = String(schema.$schema ?? "").includes("2020-12");
    const ajv = is2020
      ? new Ajv2020({ strict: false, allErrors: true })
      : new Ajv({ strict: false, allErrors: true });
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  const merged = mergeValues(chartDefaults(key), values);
  if (validate(merged)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${(e.params as any).additionalProperty})` : ""}`,
  );
}
