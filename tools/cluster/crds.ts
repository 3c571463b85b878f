/**
 * The CustomResourceDefinitions the platform's charts install, from the same pinned upstream sources the
 * artefact checks use: the module zips of the Go module proxy listed in CRD_MODULES of
 * tools/checks/pins.sh (or the folders in $CRD_DIRS when the artefacts setup already resolved them).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import type { ControlPlane } from "./harness";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
/** Where the CRD sources are pinned (one line to change when tools/ is reorganised). */
export const CRD_PINS = path.join(REPO_ROOT, "tools", "checks", "pins.sh");

/** `"module@version folder"` entries of CRD_MODULES in pins.sh. */
export function crdModules(pins = CRD_PINS): { module: string; folder: string }[] {
  const text = fs.readFileSync(pins, "utf8");
  const block = /CRD_MODULES=\(([\s\S]*?)\n\)/.exec(text)?.[1] ?? "";
  return [...block.matchAll(/^\s*"([^"\s]+) ([^"]+)"/gm)].map((m) => ({ module: m[1], folder: m[2] }));
}

/** Folders holding the CRD manifests: $CRD_DIRS, or each pinned module downloaded by `go mod download`. */
export function crdDirs(): string[] {
  if (process.env.CRD_DIRS) return process.env.CRD_DIRS.split(":").filter(Boolean);
  const mods = crdModules();
  if (!mods.length) throw new Error(`no CRD_MODULES found in ${CRD_PINS}`);
  // Outside any module, so `go mod download` reads the module proxy and the shared module cache only.
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "crd-dl-"));
  return mods.map(({ module, folder }) => {
    const r = spawnSync("go", ["mod", "download", "-json", module], {
      encoding: "utf8",
      env: { ...process.env, GOFLAGS: "-mod=mod" },
      cwd,
    });
    if (module === mods[mods.length - 1].module) fs.rmSync(cwd, { recursive: true, force: true });
    let dir: string | undefined;
    try {
      dir = JSON.parse(r.stdout).Dir;
    } catch {
      /* reported below */
    }
    if (!dir) throw new Error(`go mod download ${module}: ${r.stderr || r.stdout}`);
    return path.join(dir, folder);
  });
}

/** Every CRD object in those folders (other documents, such as examples, are skipped); one per name. */
export function loadCrds(dirs = crdDirs()): Record<string, any>[] {
  const byName = new Map<string, Record<string, any>>();
  for (const d of dirs) {
    for (const f of fs
      .readdirSync(d)
      .filter((x) => /\.ya?ml$/.test(x))
      .sort()) {
      let docs: unknown[] = [];
      try {
        docs = yaml.loadAll(fs.readFileSync(path.join(d, f), "utf8"));
      } catch {
        continue; // a templated or non-Kubernetes YAML file in the same folder
      }
      for (const doc of docs as any[])
        if (doc?.kind === "CustomResourceDefinition" && doc.apiVersion === "apiextensions.k8s.io/v1")
          byName.set(doc.metadata.name, doc);
    }
  }
  return [...byName.values()];
}

/** Creates the CRDs and waits until each is Established. Returns their names. */
export async function installCrds(cp: ControlPlane, crds = loadCrds()): Promise<string[]> {
  for (const c of crds) {
    const r = await cp.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", c);
    if (r.status >= 300 && r.status !== 409)
      throw new Error(`CRD ${c.metadata.name}: ${r.body?.message ?? r.status}`);
  }
  await cp.waitFor(
    `${crds.length} CRDs Established`,
    async () => {
      const r = await cp.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
      const ok = new Set(
        (r.body.items ?? [])
          .filter((x: any) =>
            x.status?.conditions?.some((c: any) => c.type === "Established" && c.status === "True"),
          )
          .map((x: any) => x.metadata.name),
      );
      return crds.every((c) => ok.has(c.metadata.name));
    },
    120_000,
  );
  return crds.map((c) => c.metadata.name);
}
