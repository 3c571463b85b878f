/**
 * The notebook platform (issue 4) under both targets' inputs, read from what the program registers.
 * Scheduled Papermill runs (the scheduled-notebooks chart, its schema, schedules, environment and IAM
 * role) and the workload identity contract with the AWS target.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { expect } from "chai";
import * as yaml from "js-yaml";
import { configError, ofType, releases, releaseValues, runStack } from "./harness";
import { mergeValues } from "./lib/chart-values";
import { IMAGES } from "../components/versions";
import { WORKLOAD_SERVICE_ACCOUNTS } from "../components/aws/identity";
import {
  scheduledNotebooksChartVersion,
  SCHEDULED_NOTEBOOKS_CHART,
} from "../components/platform/notebooks/scheduled-runs";
import { byName, envOf } from "./lib/notebooks";

/** The scheduled-notebooks chart's own values schema (Helm validates values against it). */
function scheduledRunsSchemaErrors(values: unknown): string[] {
  const dir = path.resolve(__dirname, "..", SCHEDULED_NOTEBOOKS_CHART);
  const schema = JSON.parse(fs.readFileSync(path.join(dir, "values.schema.json"), "utf8"));
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  const merged = mergeValues(yaml.load(fs.readFileSync(path.join(dir, "values.yaml"), "utf8")), values);
  return validate(merged) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe("notebook platform: scheduled runs", () => {
  for (const stack of ["dev", "edge"]) {
    it(`${stack}: the scheduled-notebooks chart is installed from its folder at its own version, in platform-jobs`, async () => {
      const r = releases(await runStack(stack)).get("scheduled-notebooks")!;
      expect(r.inputs.chart).to.equal("charts/scheduled-notebooks");
      expect(r.inputs.version).to.equal(scheduledNotebooksChartVersion());
      expect(r.inputs.namespace).to.equal("platform-jobs");
    });

    it(`${stack}: the values passed to the scheduled-notebooks chart pass its values schema`, async () => {
      const values = releaseValues(await runStack(stack), "scheduled-notebooks");
      expect(scheduledRunsSchemaErrors(values)).to.deep.equal([]);
      expect(scheduledRunsSchemaErrors({ ...values, suspended: true })).not.to.deep.equal([]);
    });
  }

  it("dev: scheduled runs mount the RDS CA bundle that PGSSLROOTCERT points at, so verify-full works", async () => {
    const v = releaseValues(await runStack("dev"), "scheduled-notebooks");
    const certPath = v.env.find((e: any) => e.name === "PGSSLROOTCERT")?.value;
    expect(certPath).to.equal("/etc/datavis/db-ca/ca.crt");
    const mount = v.extraVolumeMounts.find((m: any) => certPath.startsWith(`${m.mountPath}/`));
    const volume = v.extraVolumes.find((x: any) => x.name === mount.name);
    expect(volume.configMap.items).to.deep.include({ key: "db-ca.crt", path: "db-ca/ca.crt" });
  });

  it("the runs listed in scheduledRuns become the chart's runs, and pass its schema", async () => {
    const runs = [
      {
        name: "stock-performance",
        schedule: "0 6 * * *",
        source: "s3://my-notebooks/examples/",
        notebook: "etl.ipynb",
        parameters: { output_table: "stock_monthly_performance" },
      },
    ];
    const v = releaseValues(
      await runStack("edge", { scheduledRuns: JSON.stringify(runs) }),
      "scheduled-notebooks",
    );
    expect(v.runs).to.deep.equal(runs);
    expect(scheduledRunsSchemaErrors(v)).to.deep.equal([]);
  });

  it("a scheduled run with a bad schedule is refused before anything is registered, naming the key", async () => {
    const bad = [{ name: "etl", schedule: "every day", source: "s3://b/p/", notebook: "etl.ipynb" }];
    const err = await configError("dev", { scheduledRuns: JSON.stringify(bad) });
    expect(err.key).to.equal("datavis:scheduledRuns");
    expect(err.message).to.contain("every day");
  });

  it("scheduled runs use the notebooks' image, environment and bucket; on AWS their own IAM role", async () => {
    const run = await runStack("dev");
    const v = releaseValues(run, "scheduled-notebooks");
    expect(`${v.image.repository}:${v.image.tag}`).to.equal(IMAGES.singleuser);
    expect(v.outputBucket).to.equal(envOf(run).NOTEBOOKS_BUCKET);
    const env = Object.fromEntries(v.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.PGPASSWORD.secretKeyRef.name).to.equal("notebook-database");
    expect(env.PGHOST).to.equal(envOf(run).PGHOST);
    expect(v.serviceAccount).to.include({ create: true, name: "scheduled-runs" });
    expect(v.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).to.match(/role\//);
    const secret = ofType(run, "kubernetes:core/v1:Secret").find(
      (x) =>
        x.inputs.metadata.name === "notebook-database" && x.inputs.metadata.namespace === "platform-jobs",
    );
    expect(secret, "database password Secret in platform-jobs").to.exist;
  });
});

describe("notebook platform: workload identity contract with the AWS target", () => {
  it("notebook servers and scheduled runs use the service accounts the AWS IAM roles trust", async () => {
    const run = await runStack("dev");
    const nb = WORKLOAD_SERVICE_ACCOUNTS.notebooks;
    const sa = byName(run, "kubernetes:core/v1:ServiceAccount", "notebook-sa").metadata;
    expect([sa.namespace, sa.name]).to.deep.equal([nb.namespace, nb.serviceAccount]);
    const runs = WORKLOAD_SERVICE_ACCOUNTS.scheduledRuns;
    const r = releases(run).get("scheduled-notebooks")!;
    expect([r.inputs.namespace, r.inputs.values.serviceAccount.name]).to.deep.equal([
      runs.namespace,
      runs.serviceAccount,
    ]);
    const backup = byName(run, "kubernetes:core/v1:ServiceAccount", "notebook-backup-sa").metadata;
    expect([backup.namespace, backup.name]).to.deep.equal([
      WORKLOAD_SERVICE_ACCOUNTS.backup.namespace,
      WORKLOAD_SERVICE_ACCOUNTS.backup.serviceAccount,
    ]);
  });
});
