// Transpile-only TypeScript for the plan, the benchmarks, mocha and the CI scripts (`node -r ./tools/register.js`).
// Type checking is not done here: `npm test` runs `tsc --noEmit` once over the whole tree.
//
// Why esbuild instead of ts-node: ts-node loads the TypeScript compiler (~1 s of CPU) and transpiles each
// file through it; esbuild strips the types of one file in well under a millisecond in its own process.
// Each file is transpiled on its own (isolated modules), as ts-node's transpileOnly did: `import type`
// and type-only imports are dropped, `export =` becomes `module.exports =`, and imports follow
// tsconfig's `esModuleInterop`.
//
// Each file carries an inline source map, applied only with `node --enable-source-maps` (or
// NODE_OPTIONS=--enable-source-maps) when a stack trace should point at TypeScript lines: the Pulumi SDK
// formats a stack trace for every promise it creates (runtime/debuggable.js), and mapping those frames
// cost about 1.1 s of CPU in the plan of dev.
"use strict";
const fs = require("fs");
const Module = require("module");
const path = require("path");
const { createHash } = require("crypto");

const ROOT = path.join(__dirname, "..");
// esbuild reads the options that change emitted code (useDefineForClassFields derived from `target`,
// esModuleInterop, importsNotUsedAsValues, ...) from tsconfig's compilerOptions.
const tsconfigRaw = fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
// Transpiled files are kept by the hash of everything that determines them, so a warm run neither starts
// esbuild nor transpiles any of the TypeScript files it loads. Concurrent processes may write the same
// entry; each writes a temporary file and renames it, so a reader never sees half a file.
const CACHE_DIR =
  process.env.DATAVIS_TRANSPILE_CACHE || path.join(ROOT, "node_modules", ".cache", "datavis-ts");
const ESBUILD_VERSION = require("esbuild/package.json").version;
const salt = createHash("sha256")
  .update(`${ESBUILD_VERSION}\0${fs.readFileSync(__filename, "utf8")}\0${tsconfigRaw}`)
  .digest("hex");

let esbuild;
function transpile(code, filename) {
  esbuild ??= require("esbuild");
  return esbuild.transformSync(code, {
    loader: filename.endsWith(".tsx") ? "tsx" : "ts",
    format: "cjs",
    target: "node20",
    // `import("./x")` becomes a require, as tsc emits it for `module: commonjs`: Node's own dynamic
    // import would load the file through the ESM loader, which this hook does not cover.
    supported: { "dynamic-import": false },
    sourcefile: filename,
    sourcemap: "inline",
    sourcesContent: false,
    tsconfigRaw,
  }).code;
}

function compile(code, filename) {
  const key = createHash("sha256").update(`${salt}\0${filename}\0${code}`).digest("hex");
  const file = path.join(CACHE_DIR, key.slice(0, 2), `${key.slice(2)}.js`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    // not cached yet
  }
  const js = transpile(code, filename);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, js);
    fs.renameSync(tmp, file);
  } catch {
    // A read-only tree still runs, only slower.
  }
  return js;
}

for (const ext of [".ts", ".cts", ".tsx"]) {
  Module._extensions[ext] = function (module, filename) {
    if (filename.includes(`${path.sep}node_modules${path.sep}`)) {
      // No dependency ships TypeScript sources for Node to run; refuse rather than guess.
      throw new Error(`register.js: will not transpile TypeScript inside node_modules: ${filename}`);
    }
    module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename);
  };
}

module.exports = { compile };
