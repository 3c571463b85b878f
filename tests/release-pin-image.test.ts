import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as prettier from "prettier";
import { PinError, pinImage, versionsModule } from "../tools/release/pin-image";

const ROOT = path.resolve(__dirname, "..");
const MODULE = versionsModule(ROOT);

/** A copy of the repository's versions module under a temporary root, at the same relative path. */
function copyRoot(): { root: string; file: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pin-image-"));
  const file = path.join(root, path.relative(ROOT, MODULE));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // components/versions/index.ts re-exports its folder's matrix and gate: copy the whole folder.
  if (path.basename(MODULE) === "index.ts")
    fs.cpSync(path.dirname(MODULE), path.dirname(file), { recursive: true });
  else fs.copyFileSync(MODULE, file);
  return { root, file };
}

function load(file: string): any {
  delete require.cache[require.resolve(file)];
  return require(file);
}

/** Runs the release's pin command against a copy of the repository at `root`. */
function pinCli(root: string, image: string, ref: string) {
  return spawnSync(
    process.execPath,
    [
      "-r",
      "./tools/register.js",
      "tools/release/pin-image.ts",
      "--root",
      root,
      "--image",
      image,
      "--ref",
      ref,
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
}

describe("release: pin the images a release built (tools/release/pin-image.ts)", () => {
  it("pins the project's own single-user image (the option), leaving the upstream default and the rest alone", () => {
    const { root, file } = copyRoot();
    const before = load(MODULE);
    const ref = "ghcr.io/my-org/singleuser:v2026.12.0";
    const r = pinCli(root, "singleuser", ref);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.contain(`IMAGES.singleuserProject`).and.contain(`-> ${ref}`);
    const after = load(file);
    expect(after.IMAGES.singleuserProject).to.equal(ref);
    expect(after.IMAGES.singleuser).to.equal(before.IMAGES.singleuser);
    expect({ ...after.IMAGES, singleuserProject: undefined }).to.deep.equal({
      ...before.IMAGES,
      singleuserProject: undefined,
    });
    expect(after.CHARTS).to.deep.equal(before.CHARTS);
    expect(after.KUBERNETES_VERSION).to.equal(before.KUBERNETES_VERSION);
  });

  it("leaves the module as prettier formats it, so the release's pull request passes lint", async () => {
    const text = fs.readFileSync(MODULE, "utf8");
    const next = pinImage(text, "singleuser", "ghcr.io/my-org/singleuser:v2026.12.0").text;
    const options = { ...(await prettier.resolveConfig(MODULE)), filepath: MODULE };
    expect(await prettier.check(next, options)).to.equal(true);
  });

  it("has one entry to pin for every image the release workflow builds (images/*/Dockerfile)", () => {
    const text = fs.readFileSync(MODULE, "utf8");
    const images = fs
      .readdirSync(path.join(ROOT, "images"))
      .filter((d) => fs.existsSync(path.join(ROOT, "images", d, "Dockerfile")));
    expect(images).to.include("singleuser");
    for (const image of images) {
      expect(() => pinImage(text, image, `ghcr.io/my-org/${image}:v1.0.0`), `images/${image}`).to.not.throw();
    }
  });

  it("rewrites the project's own image, not an upstream image of the same name", () => {
    const text = [
      "export const IMAGES = {",
      '  spark: "docker.io/apache/spark:4.0.4",',
      "  /** built from images/spark */",
      '  sparkJobs: "ghcr.io/datavis-platform/spark:2025.12.31", // keep this comment',
      "} satisfies Record<string, string>;",
    ].join("\n");
    const r = pinImage(text, "spark", "ghcr.io/acme/spark:v3.0.0");
    expect(r.key).to.equal("sparkJobs");
    expect(r.text).to.contain('spark: "docker.io/apache/spark:4.0.4",');
    expect(r.text).to.contain('sparkJobs: "ghcr.io/acme/spark:v3.0.0", // keep this comment');
  });

  it("refuses a reference that is not ghcr.io/<owner>/<image>:<tag>, naming the argument", () => {
    const text = fs.readFileSync(MODULE, "utf8");
    for (const bad of [
      "ghcr.io/My-Org/singleuser:v1",
      "ghcr.io/my-org/singleuser",
      "docker.io/me/singleuser:v1",
    ]) {
      expect(() => pinImage(text, "singleuser", bad), bad)
        .to.throw(PinError)
        .with.property("message")
        .that.contains("--ref");
    }
  });

  it("exits 2 with one line naming the fix when no entry is built from that folder", () => {
    const { root } = copyRoot();
    const r = pinCli(root, "nosuch", "ghcr.io/o/nosuch:v1");
    expect(r.status).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.contain("images/nosuch").and.contain("ghcr.io/<owner>/nosuch:<tag>");
  });
});
