/**
 * Air-gap bundle for ansible-pi and the edge stack, built on an ONLINE machine and carried to the site:
 *
 *   node -r ./tools/register.js tools/airgap/bundle.ts --mirror registry.lab.local:5000 [--out bundle]
 *        [--download] [--plan airgapped.json --plain-plan online.json] [--strict]
 *
 * The list of charts and images is read from the program, never typed by hand: the edge plan is made
 * twice (`npm run plan -- --stack edge --json`, once with airGapped=true and registryMirror=<mirror>, once
 * without) and paired release by release and image by image, so every mirror path maps back to its
 * upstream source. Helm releases (kubernetes:helm.sh/v3:Release) give chart, version and repository;
 * images come from every `image` / `imageName` string and every `[registry/]repository` + `tag` object in
 * the resources' inputs and Helm values, plus components/versions/index.ts IMAGES. The k3s release
 * is ansible-pi's pinned `k3s_version` (inventory/example/group_vars/all.yml), checked against
 * KUBERNETES_VERSION.
 *
 * Writes <out>/manifest.json and <out>/images.txt always. With --download it also fetches, verifying
 * checksums: k3s/{k3s-arm64, k3s-airgap-images-arm64.tar.zst, install.sh} (what ansible-pi's airgap role
 * installs), charts/<chart>-<version>.tgz (the edge stack's chartsDir layout); when `helm` is on PATH it
 * renders every release with the plan's values to add the charts' own images; when `skopeo` is on PATH
 * it saves each arm64 image as images/<name>.tar (OCI archive) and writes images/push-to-mirror.sh, and
 * saves the spawn path's images (manifest `preload`) as k3s/images/<name>.tar, which ansible-pi's airgap
 * role places where k3s imports them at start.
 *
 * This file is the command; what the bundle holds is worked out in manifest.ts (no network), and the
 * downloads, chart rendering and image copies are in download.ts.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { downloadCharts, downloadK3s, onPath, renderImages, saveImages, savePreload } from "./download";
import { buildManifest, readK3sVersion, type Plan } from "./manifest";

export * from "./manifest";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Runs the offline plan for the edge stack (exit 1, policy violations, still prints the plan). */
export function runPlan(stack: string, config: Record<string, string>): Plan {
  const args = ["run", "--silent", "plan", "--", "--stack", stack, "--json"];
  for (const [k, v] of Object.entries(config)) args.push("--config", `${k}=${v}`);
  const res = spawnSync("npm", args, { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (res.status !== 0 && res.status !== 1) {
    throw new Error(`npm ${args.join(" ")} exited ${res.status}: ${res.stderr.trim().split("\n").pop()}`);
  }
  return JSON.parse(res.stdout) as Plan;
}

interface CliArgs {
  mirror: string;
  out: string;
  download: boolean;
  strict: boolean;
  plan?: string;
  plainPlan?: string;
  /** The site's own stack settings the plans need (`--config key=value`), e.g. notebookPackageIndex. */
  config: Record<string, string>;
}

export function parseCli(argv: string[]): CliArgs {
  const args: CliArgs = {
    mirror: "",
    out: path.join(REPO_ROOT, "bundle"),
    download: false,
    strict: false,
    config: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--mirror") args.mirror = next();
    else if (a === "--out") args.out = path.resolve(next());
    else if (a === "--plan") args.plan = path.resolve(next());
    else if (a === "--plain-plan") args.plainPlan = path.resolve(next());
    else if (a === "--download") args.download = true;
    else if (a === "--strict") args.strict = true;
    else if (a === "--config") {
      const kv = next();
      const eq = kv.indexOf("=");
      if (eq < 1) throw new Error(`--config ${JSON.stringify(kv)}: expected key=value`);
      args.config[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else throw new Error(`unknown argument ${JSON.stringify(a)}`);
  }
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(args.mirror)) throw new Error("--mirror host[:port] is required");
  if (Boolean(args.plan) !== Boolean(args.plainPlan)) throw new Error("--plan and --plain-plan go together");
  return args;
}

async function main(): Promise<void> {
  const args = parseCli(process.argv.slice(2));
  const k3sVersion = readK3sVersion();
  const readPlan = (f: string): Plan => JSON.parse(fs.readFileSync(f, "utf8")) as Plan;
  const airgapped = args.plan
    ? readPlan(args.plan)
    : runPlan("edge", { ...args.config, airGapped: "true", registryMirror: args.mirror });
  const online = args.plainPlan ? readPlan(args.plainPlan) : runPlan("edge", args.config);
  let manifest = buildManifest({ airgapped, online, mirror: args.mirror, k3sVersion });
  fs.mkdirSync(args.out, { recursive: true });
  if (args.download) {
    console.log(`downloading into ${args.out}`);
    await downloadK3s(manifest, path.join(args.out, "k3s"));
    await downloadCharts(manifest.charts, path.join(args.out, "charts"));
    if (onPath("helm")) {
      const chartsDir = path.join(args.out, "charts");
      const rendered = {
        mirrored: renderImages(airgapped, chartsDir, manifest.charts),
        upstream: renderImages(online, chartsDir, manifest.charts),
      };
      manifest = buildManifest({ airgapped, online, mirror: args.mirror, k3sVersion, rendered });
    } else console.log("  helm not on PATH: images the charts set internally are not listed");
    if (onPath("skopeo")) {
      saveImages(manifest.images, path.join(args.out, "images"), args.mirror);
      savePreload(manifest.preload, path.join(args.out, "k3s", "images"), args.mirror);
    } else console.log("  skopeo not on PATH: images.txt lists what to copy into the mirror");
  }
  fs.writeFileSync(path.join(args.out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  fs.writeFileSync(
    path.join(args.out, "images.txt"),
    manifest.images.map((i) => `${i.source} ${i.target}`).join("\n") + "\n",
  );
  console.log(
    `k3s ${manifest.k3s.version}, ${manifest.charts.length} charts, ${manifest.images.length} images -> ${args.out}`,
  );
  if (manifest.unresolved.length) {
    console.error(`no upstream source for: ${manifest.unresolved.join(", ")}`);
    if (args.strict) process.exit(1);
  }
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(`airgap-bundle: ${e.message}`);
    process.exit(2);
  });
}
