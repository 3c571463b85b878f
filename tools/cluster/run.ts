/**
 * npm run test:cluster [-- --stack dev|prod|edge ...] [--config key=value ...] [--no-build]
 *
 * Builds the pinned control plane once (tools/cluster/build.sh; cached outside the repository), then runs
 * the cluster suite (tests/cluster/*.cluster.ts) against it: admission, placement report, authorization
 * table and the harness's fault tests. With --stack, only those stacks (the harness tests always run).
 * Exit status: mocha's (non-zero when any test failed), 2 for bad arguments.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { binaries } from "./binaries";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

function main(argv: string[]): number {
  const stacks: string[] = [];
  const config: string[] = [];
  let build = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack") stacks.push(argv[++i] ?? "");
    else if (a.startsWith("--stack=")) stacks.push(a.slice("--stack=".length));
    else if (a === "--config") config.push(argv[++i] ?? "");
    else if (a === "--no-build") build = false;
    else {
      console.error(
        `test:cluster: unknown argument ${a}; usage: npm run test:cluster -- [--stack NAME] [--config key=value] [--no-build]`,
      );
      return 2;
    }
  }
  for (const s of stacks)
    if (!fs.existsSync(path.join(REPO_ROOT, `Pulumi.${s}.yaml`))) {
      console.error(`test:cluster: --stack ${s}: no Pulumi.${s}.yaml in the repository`);
      return 2;
    }
  let have = true;
  try {
    binaries();
  } catch {
    have = false;
  }
  if (!have) {
    if (!build) {
      console.error("test:cluster: control-plane binaries are not built; run bash tools/cluster/build.sh");
      return 1;
    }
    const b = spawnSync("bash", [path.join(REPO_ROOT, "tools/cluster/build.sh")], { stdio: "inherit" });
    if (b.status !== 0) return b.status ?? 1;
  }
  const mocha = path.join(REPO_ROOT, "node_modules", ".bin", "mocha");
  const r = spawnSync(mocha, ["--config", path.join(REPO_ROOT, "tests/cluster/.mocharc.json")], {
    cwd: REPO_ROOT,
    stdio: "inherit",
    env: {
      ...process.env,
      ...(stacks.length ? { CLUSTER_STACKS: stacks.join(",") } : {}),
      ...(config.length ? { CLUSTER_CONFIG: JSON.stringify(config) } : {}),
    },
  });
  return r.status ?? 1;
}

process.exit(main(process.argv.slice(2)));
