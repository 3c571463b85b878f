/**
 * Platform services (issue 5). Spark: the operator watching the tenant namespaces, each tenant's spark
 * ServiceAccount and Role, and the example applications (image, database and object-store access, bounded
 * retries, sample data). Evaluated under mocks by the test-only composition in tests/lib/services-run.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { IMAGES, SPARK_VERSION } from "../components/versions";
import { DATABASE_ROLES } from "../components/platform/services/database-roles";
import { SPARK_EXAMPLES, SPARK_JOBS_DIR, sparkJobFiles } from "../components/platform/services/spark";
import { SAMPLE_DATA_DIR, SPARK_IMAGE } from "../components/platform/services/spark-image";
import { TARGETS, customResources, ofType, releases, run, useSparkJobsDir } from "./lib/services-run";

let sparkJobsDir: string | undefined;

describe("platform services: Spark", () => {
  for (const kind of TARGETS) {
    it(`the Spark operator 2.5.2 watches exactly the tenant namespaces (${kind})`, async () => {
      const r = await run(kind);
      const rel = releases(r).get("spark-operator")!;
      expect(rel.inputs.version).to.equal("2.5.2");
      expect(rel.inputs.values.spark.jobNamespaces).to.deep.equal(
        r.settings.tenants.map((t) => `tenant-${t.name}`),
      );
    });

    it(`each tenant gets a spark ServiceAccount with a Role and RoleBinding in its own namespace (${kind})`, async () => {
      const r = await run(kind);
      for (const t of r.settings.tenants) {
        const ns = `tenant-${t.name}`;
        const sa = ofType(r, "kubernetes:core/v1:ServiceAccount").find(
          (x) => x.inputs.metadata.name === "spark" && x.inputs.metadata.namespace === ns,
        );
        expect(sa, `spark SA in ${ns}`).to.exist;
        const role = ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:Role").find(
          (x) => x.inputs.metadata.name === "spark" && x.inputs.metadata.namespace === ns,
        )!;
        expect(role.inputs.rules[0].resources).to.include("pods");
        const binding = ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").find(
          (x) => x.inputs.metadata.name === "spark" && x.inputs.metadata.namespace === ns,
        )!;
        expect(binding.inputs.subjects).to.deep.equal([
          { kind: "ServiceAccount", name: "spark", namespace: ns },
        ]);
        expect(binding.inputs.roleRef.kind).to.equal("Role");
      }
      expect(ofType(r, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")).to.be.empty;
    });
  }

  it("on AWS the spark service account holds no IRSA role (EKS Pod Identity associates it); on edge S3 keys come from a Secret", async () => {
    const aws = await run("aws-dev");
    const sa = ofType(aws, "kubernetes:core/v1:ServiceAccount").find(
      (x) => x.inputs.metadata.name === "spark",
    )!;
    expect(sa.inputs.metadata.annotations).to.equal(undefined);
    const edge = await run("edge");
    const keys = ofType(edge, "kubernetes:core/v1:Secret").find(
      (x) => x.inputs.metadata.name === "spark-s3",
    )!;
    expect(keys.inputs.stringData.AWS_ACCESS_KEY_ID).to.equal("edge-access-key");
  });

  it("the example applications' job files are the ones notebooks/spark ships", () => {
    const shipped = Object.keys(sparkJobFiles(SPARK_JOBS_DIR));
    for (const ex of Object.values(SPARK_EXAMPLES)) expect(shipped, ex.file).to.include(ex.file);
  });

  describe("example applications (with the data-path job files)", () => {
    before(() => {
      sparkJobsDir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-jobs-"));
      for (const ex of Object.values(SPARK_EXAMPLES)) {
        fs.writeFileSync(path.join(sparkJobsDir, ex.file), "print('job')\n");
      }
      useSparkJobsDir(sparkJobsDir);
    });
    after(() => fs.rmSync(sparkJobsDir!, { recursive: true, force: true }));

    it("a batch and a streaming SparkApplication run the project's Spark image, built FROM the pinned apache/spark", async () => {
      const r = await run("spark-jobs");
      const apps = customResources(r, "SparkApplication");
      expect(apps.map((a) => a.inputs.metadata.name).sort()).to.deep.equal(
        Object.values(SPARK_EXAMPLES)
          .map((e) => e.name)
          .sort(),
      );
      for (const a of apps) {
        expect(a.inputs.apiVersion).to.equal("sparkoperator.k8s.io/v1beta2");
        expect(a.inputs.spec.image).to.equal(SPARK_IMAGE);
        expect(a.inputs.spec.sparkVersion).to.equal(SPARK_VERSION);
      }
      // The image the workflow builds from images/spark/Dockerfile; its runtime stage is the pinned base.
      const dockerfile = fs.readFileSync(path.join(__dirname, "..", "images", "spark", "Dockerfile"), "utf8");
      const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
      expect(`docker.io/${froms.at(-1)}`).to.equal(IMAGES.spark);
      expect(IMAGES.spark).to.match(new RegExp(`apache/spark:${SPARK_VERSION}$`));
    });

    it("the examples write to the database with the app role from a Secret and log events to the object store", async () => {
      const r = await run("spark-jobs");
      for (const a of customResources(r, "SparkApplication")) {
        const ns = a.inputs.metadata.namespace;
        const conf = a.inputs.spec.sparkConf;
        expect(conf["spark.eventLog.enabled"]).to.equal("true");
        // On AWS the tenant's prefix is named by its namespace: the Pod Identity policy's session tag.
        expect(conf["spark.eventLog.dir"]).to.equal(`s3a://dv-spark/tenants/${ns}/event-logs`);
        expect(conf["spark.hadoop.fs.s3a.aws.credentials.provider"]).to.equal(
          "software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider",
        );
        for (const role of [a.inputs.spec.driver, a.inputs.spec.executor]) {
          expect(role.serviceAccount).to.equal("spark");
          const secretName = role.envFrom[0].secretRef.name;
          const secret = ofType(r, "kubernetes:core/v1:Secret").find(
            (x) => x.inputs.metadata.name === secretName && x.inputs.metadata.namespace === ns,
          )!;
          expect(secret.inputs.stringData.PGUSER).to.equal(DATABASE_ROLES.app);
          expect(secret.inputs.stringData.PGSSLMODE).to.equal("verify-full");
          expect(role.securityContext.runAsNonRoot).to.be.true;
          expect(role.coreLimit).to.be.a("string");
          expect(role.memory).to.be.a("string");
        }
      }
      const streaming = customResources(r, "SparkApplication").find((a) =>
        a.inputs.metadata.name.includes("streaming"),
      )!;
      expect(streaming.inputs.spec.sparkConf["spark.sql.streaming.checkpointLocation"]).to.match(
        /^s3a:\/\/dv-spark\//,
      );
    });

    it("each example's driver first creates its event-log directory, so Spark does not refuse to start", async () => {
      const r = await run("spark-jobs");
      for (const a of customResources(r, "SparkApplication")) {
        const init = a.inputs.spec.driver.initContainers;
        expect(init, a.inputs.metadata.name).to.have.lengthOf(1);
        const [c] = init;
        expect(c.image).to.equal(a.inputs.spec.image);
        expect(c.command.at(-1)).to.equal(a.inputs.spec.sparkConf["spark.eventLog.dir"]);
        expect(c.command.at(-2)).to.equal("/opt/spark/work-dir/jobs/ensure_event_log_dir.py");
        expect(c.command).to.include("spark.eventLog.enabled=false");
        expect(c.envFrom).to.deep.equal(a.inputs.spec.driver.envFrom);
        expect(c.securityContext.allowPrivilegeEscalation).to.equal(false);
        expect(c.resources.limits.memory).to.be.a("string");
      }
    });

    it("the examples' inputs come from the datasets bucket, as the job files expect", async () => {
      const r = await run("spark-jobs");
      const apps = customResources(r, "SparkApplication");
      const batch = apps.find((a) => a.inputs.metadata.name === SPARK_EXAMPLES.batch.name)!;
      expect(batch.inputs.spec.arguments).to.deep.equal(["--input", "s3a://dv-datasets/raw"]);
      for (const a of apps) {
        expect(a.inputs.spec.driver.env).to.deep.include({ name: "DATASETS_BUCKET", value: "dv-datasets" });
      }
    });

    it("no Spark process downloads jars when it starts: no spark.jars.packages or ivy anywhere", async () => {
      const r = await run("spark-jobs");
      const job = ofType(r, "kubernetes:batch/v1:Job").find((j) =>
        j.name.startsWith("spark-stage-sample-data"),
      )!;
      const commands = [
        ...customResources(r, "SparkApplication").flatMap((a) => [
          ...Object.keys(a.inputs.spec.sparkConf),
          ...a.inputs.spec.driver.initContainers.flatMap((c: any) => c.command),
        ]),
        ...job.inputs.spec.template.spec.containers[0].command,
      ];
      expect(commands.filter((x: string) => /spark\.jars\.(packages|ivy|repositories)|--packages/.test(x))).to
        .be.empty;
    });

    it("no example is resubmitted forever: OnFailure with bounded retries and intervals, streaming ends by itself", async () => {
      const r = await run("spark-jobs");
      for (const a of customResources(r, "SparkApplication")) {
        const p = a.inputs.spec.restartPolicy;
        expect(p.type, a.inputs.metadata.name).to.equal("OnFailure");
        for (const k of ["onFailureRetries", "onSubmissionFailureRetries"]) {
          expect(p[k], `${a.inputs.metadata.name} ${k}`).to.be.within(1, 5);
        }
        for (const k of ["onFailureRetryInterval", "onSubmissionFailureRetryInterval"]) {
          expect(p[k], `${a.inputs.metadata.name} ${k}`).to.be.at.least(30);
        }
      }
      const streaming = customResources(r, "SparkApplication").find(
        (a) => a.inputs.metadata.name === SPARK_EXAMPLES.streaming.name,
      )!;
      expect(streaming.inputs.spec.arguments).to.include("--stop-at-end");
    });

    it("a Job stages the image's sample data into raw/ of the datasets bucket before the examples start", async () => {
      const r = await run("spark-jobs");
      const jobs = ofType(r, "kubernetes:batch/v1:Job").filter((j) =>
        j.name.startsWith("spark-stage-sample-data"),
      );
      expect(jobs).to.have.lengthOf(1);
      const [job] = jobs;
      const pod = job.inputs.spec.template.spec;
      const [c] = pod.containers;
      expect(c.image).to.equal(SPARK_IMAGE);
      expect(c.command.slice(-3)).to.deep.equal([
        "/opt/spark/work-dir/jobs/stage_sample_data.py",
        SAMPLE_DATA_DIR,
        "s3a://dv-datasets/raw",
      ]);
      expect(pod.serviceAccountName).to.equal("sample-data");
      expect(job.inputs.metadata.namespace).to.equal("spark-operator");
      expect(pod.restartPolicy).to.equal("Never");
      expect(job.inputs.spec.backoffLimit).to.be.within(1, 5);
      const batch = customResources(r, "SparkApplication").find(
        (a) => a.inputs.metadata.name === SPARK_EXAMPLES.batch.name,
      )!;
      expect(batch.inputs.spec.arguments).to.deep.equal(["--input", c.command.at(-1)]);
      for (const a of customResources(r, "SparkApplication")) {
        expect(a.dependencies, a.inputs.metadata.name).to.include(job.urn);
      }
    });

    it("the job files are mounted from a ConfigMap built from notebooks/spark", async () => {
      const r = await run("spark-jobs");
      const cm = ofType(r, "kubernetes:core/v1:ConfigMap").find(
        (x) => x.inputs.metadata.name === "spark-jobs",
      )!;
      expect(Object.keys(cm.inputs.data).sort()).to.deep.equal([
        "batch_etl.py",
        "ensure_event_log_dir.py",
        "streaming_flights.py",
      ]);
      for (const a of customResources(r, "SparkApplication")) {
        const file = a.inputs.spec.mainApplicationFile.split("/").pop();
        expect(cm.inputs.data).to.have.property(file);
      }
    });
  });
});
