/**
 * The peer the plan is measured against: aws-quickstart/cdk-eks-blueprints synthesizing an EKS cluster,
 * its VPC and 8 add-ons including JupyterHub (about 100 CloudFormation resources), i.e. what its users run
 * as `cdk synth`. Installed from npm into a scratch folder outside the repository (pinned exactly), with
 * an app this file writes, so the repository never depends on it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Exact versions: eks-blueprints 1.19.0 declares these aws-cdk-lib and aws-cdk versions as peers. */
export const PEER = {
  blueprints: "1.19.0",
  cdkLib: "2.261.0",
  cdkCli: "2.1129.0",
  constructs: "10.6.0",
} as const;

const ACCOUNT = "123456789012";
const REGION = "us-east-1";

/**
 * The peer's app. Add-on versions and the Kubernetes version are pinned (the versions the blueprint
 * selects itself for 1.35) so that synth never asks the EKS API: "auto" versions call DescribeAddonVersions.
 */
const APP = `// Written by datavis tools/bench/peer.ts: the peer's EKS + VPC + 8 add-ons, synthesized by \`cdk synth\`.
const cdk = require("aws-cdk-lib");
const eks = require("aws-cdk-lib/aws-eks");
const blueprints = require("@aws-quickstart/eks-blueprints");
const app = new cdk.App();
blueprints.EksBlueprint.builder()
  .account("${ACCOUNT}")
  .region("${REGION}")
  .version(eks.KubernetesVersion.V1_35)
  .addOns(
    new blueprints.addons.VpcCniAddOn({ version: "v1.21.1-eksbuild.1" }),
    new blueprints.addons.CoreDnsAddOn("v1.13.2-eksbuild.3"),
    new blueprints.addons.KubeProxyAddOn("v1.35.0-eksbuild.2"),
    new blueprints.addons.AwsLoadBalancerControllerAddOn(),
    new blueprints.addons.CertManagerAddOn(),
    new blueprints.addons.ClusterAutoScalerAddOn(),
    new blueprints.addons.EbsCsiDriverAddOn({ version: "v1.57.1-eksbuild.1" }),
    new blueprints.addons.JupyterHubAddOn({
      ebsConfig: { storageClass: "gp2", capacity: "10Gi" },
      serviceType: blueprints.JupyterHubServiceType.CLUSTERIP,
    }),
  )
  .build(app, "bench-peer");
`;

/** Context that `cdk synth` would otherwise look up in the account (the VPC's availability zones). */
const CONTEXT = {
  [`availability-zones:account=${ACCOUNT}:region=${REGION}`]: [`${REGION}a`, `${REGION}b`, `${REGION}c`],
};

export function peerDir(): string {
  const cache = process.env.DATAVIS_CACHE || path.join(os.homedir(), ".cache", "datavis");
  return path.join(cache, "bench-peer", PEER.blueprints);
}

/** Installs the peer (once; later runs reuse the folder) and writes its app. Returns the folder. */
export function installPeer(log: (line: string) => void): string {
  const dir = peerDir();
  fs.mkdirSync(dir, { recursive: true });
  const want = {
    name: "datavis-bench-peer",
    private: true,
    version: "0.0.0",
    dependencies: {
      "@aws-quickstart/eks-blueprints": PEER.blueprints,
      "aws-cdk-lib": PEER.cdkLib,
      "aws-cdk": PEER.cdkCli,
      constructs: PEER.constructs,
    },
  };
  const pkgFile = path.join(dir, "package.json");
  const installed = (name: string) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, "node_modules", name, "package.json"), "utf8"))
        .version;
    } catch {
      return undefined;
    }
  };
  const current = Object.entries(want.dependencies).every(([n, v]) => installed(n) === v);
  if (!current) {
    log(`installing the peer into ${dir} (npm, once)`);
    fs.writeFileSync(pkgFile, JSON.stringify(want, null, 2) + "\n");
    const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--save-exact"], {
      cwd: dir,
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (r.status !== 0) throw new Error(`npm install of the peer in ${dir} exited ${r.status}`);
  }
  fs.writeFileSync(path.join(dir, "app.js"), APP);
  fs.writeFileSync(
    path.join(dir, "cdk.json"),
    JSON.stringify({ app: "node app.js", context: CONTEXT }, null, 2) + "\n",
  );
  return dir;
}

/** Environment for the peer's runs: no AWS credentials, no instance-metadata probing, no version check. */
export function peerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ACCESS_KEY_ID: "",
    AWS_SECRET_ACCESS_KEY: "",
    AWS_PROFILE: "",
    CDK_DISABLE_VERSION_CHECK: "1",
  };
}

/** Resources in the synthesized templates (the stack and its nested stacks). */
export function countPeerResources(outDir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(outDir).filter((x) => x.endsWith(".template.json"))) {
    const t = JSON.parse(fs.readFileSync(path.join(outDir, f), "utf8"));
    n += Object.keys(t.Resources ?? {}).length;
  }
  return n;
}

/** The peer's `cdk synth` through its CLI (what a user types): argv and cwd to spawn. */
export function peerCliCommand(dir: string, outDir: string): { argv: string[]; cwd: string } {
  return {
    argv: [
      path.join(dir, "node_modules", "aws-cdk", "bin", "cdk"),
      "synth",
      "--quiet",
      "--no-notices",
      "--no-version-reporting",
      "-o",
      outDir,
    ],
    cwd: dir,
  };
}

/** The app alone, as the CLI runs it (CDK_OUTDIR and the context in the environment): the CLI's own cost
 * left out, the stricter comparison. */
export function peerAppCommand(dir: string, outDir: string): { argv: string[]; cwd: string; env: object } {
  return {
    argv: [path.join(dir, "app.js")],
    cwd: dir,
    env: { CDK_OUTDIR: outDir, CDK_CONTEXT_JSON: JSON.stringify(CONTEXT) },
  };
}
