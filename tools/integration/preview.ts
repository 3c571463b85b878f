/**
 * `npm run test:integration [-- --stack dev|prod|edge ...]`: a real `pulumi preview --diff --policy-pack
 * policies` of each stack through the Pulumi Automation API, against the stack's real state and cloud.
 *
 * It runs only where everything a real preview needs is present: the Pulumi CLI, a backend login, the
 * stack itself, no placeholder secret left in Pulumi.<stack>.yaml, the policy pack's dependencies, and
 * the target's credentials (AWS credentials for aws stacks; the kubeconfig is stack config for edge).
 * Otherwise it prints what is missing and exits SKIPPED (77, the "skipped" status of automake's test
 * harness): never 0, so a machine without credentials cannot pass for one that previewed.
 *
 * Exit status: 0 every preview succeeded, 1 a preview failed (error or mandatory policy violation),
 * 2 bad arguments, 77 skipped (something listed on stdout is missing).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";

export const SKIPPED = 77;
const ROOT = path.resolve(__dirname, "..", "..");
const STACKS = ["dev", "prod", "edge"];

/** The environment and files the needs are read from (the test passes its own). */
export interface Probe {
  env: NodeJS.ProcessEnv;
  root: string;
  home: string;
}

function hasCli(probe: Probe): boolean {
  const r = spawnSync("pulumi", ["version"], { env: probe.env, encoding: "utf8" });
  return r.status === 0;
}

function hasAwsCredentials(probe: Probe): boolean {
  const e = probe.env;
  if (e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY) return true;
  if (e.AWS_WEB_IDENTITY_TOKEN_FILE && e.AWS_ROLE_ARN) return true;
  if (e.AWS_CONTAINER_CREDENTIALS_FULL_URI || e.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) return true;
  if (e.AWS_PROFILE) return true;
  const dir = path.join(probe.home, ".aws");
  return ["credentials", "config"].some((f) => fs.existsSync(path.join(dir, f)));
}

function hasBackend(probe: Probe, cli: boolean): boolean {
  if (probe.env.PULUMI_BACKEND_URL || probe.env.PULUMI_ACCESS_TOKEN) return true;
  if (!cli) return fs.existsSync(path.join(probe.home, ".pulumi", "credentials.json"));
  return (
    spawnSync("pulumi", ["whoami", "--non-interactive"], { env: probe.env, encoding: "utf8" }).status === 0
  );
}

/** Keys of Pulumi.<stack>.yaml still holding the committed `secure: REPLACE-ME...` placeholder. */
function placeholders(config: Record<string, unknown>): string[] {
  return Object.entries(config)
    .filter(([, v]) => typeof v === "object" && v !== null && /^REPLACE-ME/.test(String((v as any).secure)))
    .map(([k]) => k);
}

/** What a real preview of `stack` still needs here (empty: ready), each with how to provide it. */
export function needs(stack: string, probe: Probe): string[] {
  const out: string[] = [];
  const cli = hasCli(probe);
  if (!cli)
    out.push("the Pulumi CLI on PATH (https://www.pulumi.com/docs/install/, the version in .pulumi.version)");
  if (!hasBackend(probe, cli)) {
    out.push(
      "a Pulumi backend: PULUMI_ACCESS_TOKEN (Pulumi Cloud), PULUMI_BACKEND_URL=s3://..., or `pulumi login`",
    );
  }
  const file = path.join(probe.root, `Pulumi.${stack}.yaml`);
  const config = ((yaml.load(fs.readFileSync(file, "utf8")) as any)?.config ?? {}) as Record<string, unknown>;
  for (const key of placeholders(config)) {
    out.push(
      `${key} set for real (Pulumi.${stack}.yaml holds a placeholder): pulumi config set --secret ${key} ...`,
    );
  }
  if (config["datavis:target"] === "aws" && !hasAwsCredentials(probe)) {
    out.push(
      "AWS credentials for the stack's account (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or OIDC)",
    );
  }
  if (!fs.existsSync(path.join(probe.root, "policies", "node_modules", "@pulumi", "policy"))) {
    out.push("the policy pack's dependencies: npm ci --prefix policies");
  }
  return out;
}

function parseArgs(argv: string[]): string[] | string {
  const stacks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag !== "--stack") return `unknown argument "${argv[i]}"; use --stack dev|prod|edge (repeatable)`;
    const v = inline !== undefined ? inline : argv[++i];
    if (!STACKS.includes(v)) return `--stack "${v ?? ""}": must be one of ${STACKS.join(", ")}`;
    stacks.push(v);
  }
  return stacks.length ? stacks : ["dev"];
}

async function preview(stack: string, env: NodeJS.ProcessEnv): Promise<"ok" | "failed" | "skipped"> {
  // Loaded here so that a skipped run needs nothing of the Automation API.
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  const name = env.PULUMI_ORG ? `${env.PULUMI_ORG}/${stack}` : stack;
  const ws = await LocalWorkspace.create({ workDir: ROOT });
  const known = (await ws.listStacks()).map((s) => s.name);
  if (!known.some((n) => n === name || n.endsWith(`/${stack}`))) {
    console.log(
      `test:integration: skipped (${stack}): a real pulumi preview needs the stack: pulumi stack init ${name}`,
    );
    return "skipped";
  }
  const s = await LocalWorkspace.selectStack({ stackName: name, workDir: ROOT });
  try {
    const r = await s.preview({
      diff: true,
      policyPacks: [path.join(ROOT, "policies")],
      onOutput: (out) => process.stdout.write(out),
    });
    console.log(`test:integration: preview ${stack}: ${JSON.stringify(r.changeSummary)}`);
    return "ok";
  } catch (e) {
    console.log(`test:integration: preview ${stack} failed: ${(e as Error).message.split("\n")[0]}`);
    return "failed";
  }
}

async function main(argv: string[]): Promise<number> {
  const stacks = parseArgs(argv);
  if (typeof stacks === "string") {
    process.stderr.write(`test:integration: ${stacks}\n`);
    return 2;
  }
  const probe: Probe = { env: process.env, root: ROOT, home: os.homedir() };
  const missing = stacks.map((s) => [s, needs(s, probe)] as const).filter(([, n]) => n.length > 0);
  if (missing.length > 0) {
    for (const [stack, n] of missing) {
      console.log(`test:integration: skipped (${stack}): a real pulumi preview needs:`);
      for (const item of n) console.log(`  - ${item}`);
    }
    console.log("test:integration: SKIPPED, nothing was previewed (exit 77)");
    return SKIPPED;
  }
  const results = [];
  for (const stack of stacks) results.push(await preview(stack, process.env));
  if (results.includes("failed")) return 1;
  if (results.includes("skipped")) {
    console.log("test:integration: SKIPPED, not every stack was previewed (exit 77)");
    return SKIPPED;
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(`test:integration: ${(e as Error).stack ?? e}`);
      process.exitCode = 1;
    },
  );
}
