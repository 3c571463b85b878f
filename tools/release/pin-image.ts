/**
 * Rewrites the pinned reference of an image the project builds (images/<name>/Dockerfile) in the versions
 * module, so the release that pushes `ghcr.io/<owner>/<name>:<tag>` also makes the platform deploy it.
 *
 *   npm run release:pin-image -- --image singleuser --ref ghcr.io/my-org/singleuser:v2026.12.0
 *
 * The entry to rewrite is the one in `IMAGES` whose current reference is `ghcr.io/<any owner>/<name>`
 * (so `docker.io/apache/spark` is never taken for `images/spark`). The file is edited through the
 * TypeScript syntax tree: only that property's value changes, comments and formatting stay.
 * Exit status: 0 rewritten (or already pinned), 2 bad arguments or no such entry (one line on stderr).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/** Where the versions module lives (the first that exists): its new home, then its old one. */
export const VERSIONS_MODULE_CANDIDATES = [
  "components/versions/index.ts",
  "components/versions.ts",
  "components/platform/versions.ts",
];

/** A reference `registry/path:tag` (optionally `@sha256:...`), the only form the project pins. */
const REF =
  /^[a-z0-9.-]+(?::[0-9]+)?(?:\/[a-z0-9._-]+)+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(?:@sha256:[a-f0-9]{64})?$/;

export class PinError extends Error {}

/** The repository part of a reference (no tag, no digest): `ghcr.io/org/singleuser`. */
export function repositoryOf(ref: string): string {
  const noDigest = ref.split("@")[0];
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.indexOf(":", slash);
  return colon < 0 ? noDigest : noDigest.slice(0, colon);
}

/** Text of a string-valued initializer, with `${...}` left as written (enough to read its repository). */
function literalText(node: ts.Expression, source: ts.SourceFile): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.getText(source).slice(1, -1);
  return undefined;
}

function isBuiltHere(repository: string, image: string): boolean {
  const parts = repository.split("/");
  return parts.length === 3 && parts[0] === "ghcr.io" && parts[2] === image;
}

/**
 * Returns `text` (the versions module) with the IMAGES entry of `image` set to `ref`.
 * Throws PinError when the arguments are malformed or no single entry is built from images/<image>.
 */
export function pinImage(
  text: string,
  image: string,
  ref: string,
): { text: string; key: string; previous: string } {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(image)) {
    throw new PinError(
      `--image "${image}": must be a folder name under images/ (lowercase, e.g. singleuser)`,
    );
  }
  if (!REF.test(ref)) {
    throw new PinError(
      `--ref "${ref}": must be registry/path:tag in lowercase, e.g. ghcr.io/my-org/${image}:v1.0.0`,
    );
  }
  if (!isBuiltHere(repositoryOf(ref), image)) {
    throw new PinError(
      `--ref "${ref}": the image built from images/${image} is pushed as ghcr.io/<owner>/${image}`,
    );
  }
  const source = ts.createSourceFile("versions.ts", text, ts.ScriptTarget.Latest, true);
  const matches: { key: string; value: ts.Expression; current: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === "IMAGES") {
      let init = node.initializer;
      while (init && (ts.isSatisfiesExpression(init) || ts.isAsExpression(init))) init = init.expression;
      if (init && ts.isObjectLiteralExpression(init)) {
        for (const prop of init.properties) {
          if (!ts.isPropertyAssignment(prop)) continue;
          const current = literalText(prop.initializer, source);
          if (current !== undefined && isBuiltHere(repositoryOf(current), image)) {
            matches.push({ key: prop.name.getText(source), value: prop.initializer, current });
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (matches.length !== 1) {
    throw new PinError(
      matches.length === 0
        ? `images/${image}: no entry of IMAGES in the versions module is ghcr.io/<owner>/${image}:<tag>; add one`
        : `images/${image}: ${matches.length} entries of IMAGES (${matches.map((m) => m.key).join(", ")}) match; keep one`,
    );
  }
  const [m] = matches;
  const next = text.slice(0, m.value.getStart(source)) + JSON.stringify(ref) + text.slice(m.value.getEnd());
  return { text: next, key: m.key, previous: m.current };
}

/** The versions module of the repository at `root`. */
export function versionsModule(root: string): string {
  for (const rel of VERSIONS_MODULE_CANDIDATES) {
    const p = path.join(root, rel);
    if (fs.existsSync(p)) return p;
  }
  throw new PinError(`no versions module (${VERSIONS_MODULE_CANDIDATES.join(" or ")}) under ${root}`);
}

function main(argv: string[]): number {
  let image: string | undefined;
  let ref: string | undefined;
  let root = process.cwd();
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (flag === "--image") image = value();
    else if (flag === "--ref") ref = value();
    else if (flag === "--root") root = value();
    else {
      process.stderr.write(
        `pin-image: unknown argument "${argv[i]}"; use --image NAME --ref REF [--root DIR]\n`,
      );
      return 2;
    }
  }
  if (!image || !ref) {
    process.stderr.write("pin-image: --image NAME and --ref ghcr.io/<owner>/NAME:<tag> are both required\n");
    return 2;
  }
  try {
    const file = versionsModule(root);
    const result = pinImage(fs.readFileSync(file, "utf8"), image, ref);
    fs.writeFileSync(file, result.text);
    const rel = path.relative(root, file);
    process.stdout.write(
      result.previous === ref
        ? `${rel}: IMAGES.${result.key} already ${ref}\n`
        : `${rel}: IMAGES.${result.key} ${result.previous} -> ${ref}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof PinError) {
      process.stderr.write(`pin-image: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
