/**
 * The pack as `pulumi preview --policy-pack policies` runs it: the Pulumi CLI starts the policy pack
 * through @pulumi/pulumi's `run-policy-pack` (TypeScript type-checked by ts-node) and talks to it over the
 * analyzer gRPC protocol. This test does the same, without the CLI: it starts the pack, reads its port,
 * and sends GetAnalyzerInfo, ConfigureStack, Analyze and AnalyzeStack requests.
 */
import { spawn, type ChildProcess } from "child_process";
import { createRequire } from "module";
import * as path from "path";
import { expect } from "chai";
import { allRules } from "../policies/rules";

// The gRPC and protobuf modules @pulumi/pulumi itself uses (its dependencies, not the project's).
const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = fromPulumi("@grpc/grpc-js");
const analyzerRpc = fromPulumi("./proto/analyzer_grpc_pb");
const analyzerPb = fromPulumi("./proto/analyzer_pb");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb");

const POLICIES = path.join(__dirname, "..", "policies");

function call<T>(client: any, method: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))),
  );
}

function resource(type: string, name: string, props: Record<string, unknown>, protect = false) {
  const r = new analyzerPb.AnalyzeRequest();
  r.setType(type);
  r.setName(name);
  r.setUrn(`urn:pulumi:prod::datavis::${type}::${name}`);
  r.setProperties(Struct.fromJavaScript(props));
  const opts = new analyzerPb.AnalyzerResourceOptions();
  opts.setProtect(protect);
  r.setOptions(opts);
  return r;
}

interface Diagnostic {
  policy: string;
  level: string;
  message: string;
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];

function diagnostics(res: any): Diagnostic[] {
  return res.getDiagnosticsList().map((d: any) => ({
    policy: d.getPolicyname(),
    level: LEVELS[d.getEnforcementlevel()],
    message: d.getMessage(),
  }));
}

describe("policy pack served to the engine over the analyzer protocol", function () {
  // ts-node type-checks the pack on start, as the Pulumi CLI has it do.
  this.timeout(120000);
  let pack: ChildProcess;
  let client: any;
  let stderr = "";

  before(async () => {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
    // The CLI's environment: no TS_NODE_* settings a developer's shell or an older register.js may carry.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TS_NODE_")));
    pack = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
      cwd: POLICIES,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    pack.stderr!.on("data", (d) => (stderr += d));
    const port = await new Promise<number>((resolve, reject) => {
      pack.stdout!.once("data", (d) => resolve(Number(String(d).trim())));
      pack.once("exit", (code) => reject(new Error(`policy pack exited ${code}: ${stderr}`)));
    });
    client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const configure = new analyzerPb.AnalyzerStackConfigureRequest();
    configure.getTagsMap().set("datavis:environment", "prod");
    configure.getTagsMap().set("datavis:target", "aws");
    await call(client, "configureStack", configure);
  });

  after(() => {
    client?.close();
    pack?.kill();
  });

  it("starts, type-checks and lists every rule with its enforcement level", async () => {
    const info: any = await call(client, "getAnalyzerInfo", new Empty());
    expect(info.getName()).to.equal("datavis-platform");
    const served = new Map(
      info.getPoliciesList().map((p: any) => [p.getName(), LEVELS[p.getEnforcementlevel()]]),
    );
    expect([...served.keys()].sort()).to.deep.equal(allRules.map((r) => r.name).sort());
    for (const r of allRules) expect(served.get(r.name), r.name).to.equal(r.enforcementLevel);
  });

  it("reports a public, single-AZ, unprotected database in a production stack", async () => {
    const res = await call(
      client,
      "analyze",
      resource("aws:rds/instance:Instance", "db", {
        engine: "postgres",
        storageEncrypted: true,
        publiclyAccessible: true,
        backupRetentionPeriod: 14,
        multiAz: false,
        deletionProtection: true,
        // Settings the other RDS rules ask for, so only the three findings below remain.
        iamDatabaseAuthenticationEnabled: true,
        copyTagsToSnapshot: true,
        dbSubnetGroupName: "datavis-prod-db",
      }),
    );
    const found = diagnostics(res).map((d) => `${d.policy} ${d.level}`);
    expect(found).to.have.members([
      "rds-not-publicly-accessible mandatory",
      "rds-multi-az-in-production mandatory",
      "production-stateful-resources-protected mandatory",
    ]);
  });

  it("passes a compliant, protected database", async () => {
    const res = await call(
      client,
      "analyze",
      resource(
        "aws:rds/instance:Instance",
        "db",
        {
          engine: "postgres",
          storageEncrypted: true,
          backupRetentionPeriod: 14,
          multiAz: true,
          deletionProtection: true,
          iamDatabaseAuthenticationEnabled: true,
          copyTagsToSnapshot: true,
          dbSubnetGroupName: "datavis-prod-db",
        },
        true,
      ),
    );
    expect(diagnostics(res)).to.deep.equal([]);
  });

  it("relates a bucket to its public access block across the stack", async () => {
    const stack = (blockAll: boolean) => {
      const req = new analyzerPb.AnalyzeStackRequest();
      const bucket = new analyzerPb.AnalyzerResource();
      bucket.setType("aws:s3/bucket:Bucket");
      bucket.setName("notebooks");
      bucket.setUrn("urn:pulumi:prod::datavis::aws:s3/bucket:Bucket::notebooks");
      bucket.setProperties(Struct.fromJavaScript({ bucket: "datavis-notebooks-1" }));
      bucket.setOptions(new analyzerPb.AnalyzerResourceOptions());
      const block = new analyzerPb.AnalyzerResource();
      block.setType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
      block.setName("notebooks");
      block.setUrn(
        "urn:pulumi:prod::datavis::aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::notebooks",
      );
      block.setProperties(
        Struct.fromJavaScript({
          bucket: "datavis-notebooks-1",
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: blockAll,
        }),
      );
      block.setOptions(new analyzerPb.AnalyzerResourceOptions());
      block.setDependenciesList([bucket.getUrn()]);
      req.setResourcesList([bucket, block]);
      return req;
    };
    const open = diagnostics(await call(client, "analyzeStack", stack(false))).filter(
      (d) => d.policy === "s3-bucket-public-access-blocked",
    );
    expect(open.map((d) => d.message.split("\n").pop())).to.deep.equal([
      "public access block notebooks leaves restrictPublicBuckets off",
    ]);
    const closed = diagnostics(await call(client, "analyzeStack", stack(true))).filter(
      (d) => d.policy === "s3-bucket-public-access-blocked",
    );
    expect(closed).to.deep.equal([]);
  });
});
