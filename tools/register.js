// Transpile-only TypeScript for the plan, benchmarks and mocha: type-checking runs once in `npm test`.
process.env.TS_NODE_TRANSPILE_ONLY = "true";
process.env.TS_NODE_PROJECT =
  process.env.TS_NODE_PROJECT || require("path").join(__dirname, "..", "tsconfig.json");
require("ts-node").register({ transpileOnly: true, files: false });
