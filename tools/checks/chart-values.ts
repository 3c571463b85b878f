/**
 * Validates the values every Helm release passes to an upstream chart against that chart version's own
 * values schema (../shared/chart-schemas), with the same check the platform tests use
 * (tests/lib/chart-values.ts: chart defaults merged with our values, as Helm does):
 *
 *   node -r ./tools/register.js tools/checks/chart-values.ts <dir>/<stack>/releases.json ...
 *
 * (releases.json as written by export-plan.ts). Releases of the project's own charts (a path under
 * charts/) are left to `helm lint`/`helm template`; upstream charts with no schema are listed as such.
 * A release of an upstream chart at a version other than the pin in versions.ts is a finding too.
 * Exit: 0 valid, 1 findings, 2 usage.
 */
import * as fs from "fs";
import * as path from "path";
import { CHARTS, type ChartKey } from "../../components/versions";
import { chartValuesErrors, hasSchema } from "../../tests/lib/chart-values";
import type { ExportedRelease } from "./export-plan";

/** The pinned chart a release installs: by repository name, or by a local `<chart>-<version>.tgz`. */
export function chartKeyOf(r: ExportedRelease): ChartKey | undefined {
  const base = path.basename(r.chart);
  for (const [key, pin] of Object.entries(CHARTS) as [ChartKey, (typeof CHARTS)[ChartKey]][]) {
    if (r.chart === pin.chart || base === `${pin.chart}-${pin.version}.tgz`) return key;
  }
  return undefined;
}

/** Findings for one release, as `<label>: <path> <message>` lines (empty when valid or not checkable). */
export function releaseFindings(r: ExportedRelease, label: string): { findings: string[]; note: string } {
  const key = chartKeyOf(r);
  if (!key) {
    const own = /(^|\/)charts\/[^/]+\/?$/.test(r.chart);
    return {
      findings: [],
      note: own ? "own chart (helm lint/template)" : `chart ${r.chart} is not in versions.ts`,
    };
  }
  const pin = CHARTS[key];
  const findings: string[] = [];
  if (r.version !== undefined && r.version !== pin.version) {
    findings.push(
      `${label}: chart ${pin.chart} version ${r.version} is not the pin ${pin.version} (versions.ts)`,
    );
  }
  if (!hasSchema(key)) return { findings, note: `${pin.chart} ${pin.version} ships no values schema` };
  for (const e of chartValuesErrors(key, r.values)) {
    findings.push(`${label}: values${e.startsWith("/") ? "" : " "}${e} (schema ${pin.chart}-${pin.version})`);
  }
  return { findings, note: `validated against ${pin.chart}-${pin.version}.values.schema.json` };
}

function main(files: string[]): number {
  if (!files.length) {
    console.error("usage: chart-values.ts <releases.json> ...");
    return 2;
  }
  let findings = 0;
  let validated = 0;
  for (const file of files) {
    const stack = path.basename(path.dirname(file));
    const releases = JSON.parse(fs.readFileSync(file, "utf8")) as ExportedRelease[];
    for (const r of releases) {
      const label = `${stack} release ${r.name} (${r.resource}, ${file})`;
      const { findings: f, note } = releaseFindings(r, label);
      f.forEach((line) => console.log(line));
      findings += f.length;
      if (note.startsWith("validated")) validated++;
      console.log(`  ${stack}/${r.name}: ${f.length ? `${f.length} finding(s)` : "ok"}: ${note}`);
    }
  }
  console.log(
    `chart-values: ${validated} release(s) validated against their chart's schema; ${findings} finding(s)`,
  );
  return findings ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
