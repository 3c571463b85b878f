import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";

const ROOT = path.join(__dirname, "..");

function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith(".ts") ? [rel] : [];
  });
}

/** Relative module specifiers a file imports (static, dynamic and re-exports). */
function importsOf(file: string): string[] {
  const src = fs.readFileSync(path.join(ROOT, file), "utf8");
  return [...src.matchAll(/(?:from\s*|import\s*\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g)].map((m) =>
    path.normalize(path.join(path.dirname(file), m[1])),
  );
}

describe("architecture: arrows run one way", () => {
  it("no file under components/ imports from stacks/ (components declare their own inputs)", () => {
    const offenders = tsFiles("components").flatMap((f) =>
      importsOf(f)
        .filter((target) => target === "stacks" || target.startsWith(`stacks${path.sep}`))
        .map((target) => `${f} -> ${target}`),
    );
    expect(offenders).to.deep.equal([]);
  });

  it("the targets and the platform reach shared code only through components/shared and components/versions", () => {
    const offenders = ["components/aws", "components/edge"].flatMap((dir) =>
      tsFiles(dir).flatMap((f) =>
        importsOf(f)
          .filter((target) => target.startsWith(`components${path.sep}platform`))
          .map((target) => `${f} -> ${target}`),
      ),
    );
    expect(offenders).to.deep.equal([]);
  });

  it("every chart release and image of the platform goes through the one artifact source helper", () => {
    // A release built by hand (a `chart:` or `repositoryOpts` outside components/shared/artifacts.ts) would
    // bypass the air-gapped chart folder; `mirrorImage` called directly would bypass the cluster's source.
    const offenders = tsFiles("components")
      .filter((f) => f !== path.join("components", "shared", "artifacts.ts"))
      .filter((f) => /repositoryOpts|\bmirrorImage\(/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    expect(offenders).to.deep.equal([]);
  });
});
