/**
 * The example notebooks and the `datavis_data` library, delivered to every notebook server without an image
 * build or a download (so it works air-gapped, whatever single-user image a site runs):
 *
 * - ConfigMap `datavis-examples`: `notebooks/*.ipynb` and the Spark job files they import (`spark/*.py`),
 *   mounted read-only at EXAMPLES_DIR; a postStart hook copies each file into `~/examples/` if it is not
 *   there yet, so a new user's first server has them and a user's own edits are never overwritten;
 * - ConfigMap `datavis-library`: `notebooks/datavis_data/*.py`, mounted read-only at LIBRARY_DIR/datavis_data
 *   and put on PYTHONPATH, so `import datavis_data` works in any folder and follows each deployment.
 *
 * Both together are about 45 kB, far below a ConfigMap's 1 MiB.
 */
import * as fs from "fs";
import * as path from "path";
import type * as k8s from "@pulumi/kubernetes";

/** The repository's notebooks folder. */
export const NOTEBOOKS_SOURCE = path.resolve(__dirname, "..", "..", "..", "notebooks");
export const EXAMPLES_CONFIG_MAP = "datavis-examples";
export const LIBRARY_CONFIG_MAP = "datavis-library";
export const EXAMPLES_DIR = "/opt/datavis/examples";
export const LIBRARY_DIR = "/opt/datavis/lib";
/** Where the copies land, relative to the home directory. */
export const HOME_EXAMPLES = "examples";

/** One file of a ConfigMap: its key (no slashes allowed) and its path under the mount. */
interface Item {
  key: string;
  path: string;
  content: string;
}

function items(dir: string, pattern: RegExp, prefix = ""): Item[] {
  return fs
    .readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => ({
      key: `${prefix ? `${prefix}.` : ""}${f}`,
      path: `${prefix ? `${prefix}/` : ""}${f}`,
      content: fs.readFileSync(path.join(dir, f), "utf8"),
    }));
}

/** The files of each ConfigMap, read from the repository when the program runs. */
export function exampleFiles(source = NOTEBOOKS_SOURCE): { examples: Item[]; library: Item[] } {
  return {
    examples: [...items(source, /\.ipynb$/), ...items(path.join(source, "spark"), /\.py$/, "spark")],
    library: items(path.join(source, "datavis_data"), /\.py$/),
  };
}

const dataOf = (xs: Item[]) => Object.fromEntries(xs.map((x) => [x.key, x.content]));

/** Data of the two ConfigMaps. */
export function exampleConfigMaps(source = NOTEBOOKS_SOURCE): Record<string, Record<string, string>> {
  const f = exampleFiles(source);
  return { [EXAMPLES_CONFIG_MAP]: dataOf(f.examples), [LIBRARY_CONFIG_MAP]: dataOf(f.library) };
}

/**
 * postStart: copy each example that is not in ~/examples yet. Never fails the start (a read-only home in
 * maintenance mode, a full volume): the server must come up either way.
 */
export const COPY_EXAMPLES = [
  `mkdir -p "$HOME/${HOME_EXAMPLES}" &&`,
  `cd ${EXAMPLES_DIR} &&`,
  // -L and the ./.. exclusion: a ConfigMap volume's files are symlinks into a hidden ..<timestamp> folder.
  `find -L . -type f ! -path './..*' | while read -r f; do`,
  `t="$HOME/${HOME_EXAMPLES}/\${f#./}";`,
  `[ -e "$t" ] || { mkdir -p "$(dirname "$t")" && cp "$f" "$t"; };`,
  `done; true`,
].join(" ");

/** Volumes, mounts, environment and the postStart hook of every notebook server. */
export function examplesPodConfig(source = NOTEBOOKS_SOURCE): {
  volumes: k8s.types.input.core.v1.Volume[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  env: Record<string, string>;
  postStart: string[];
} {
  const f = exampleFiles(source);
  const toItems = (xs: Item[]) => xs.map((x) => ({ key: x.key, path: x.path }));
  return {
    volumes: [
      { name: "datavis-examples", configMap: { name: EXAMPLES_CONFIG_MAP, items: toItems(f.examples) } },
      { name: "datavis-library", configMap: { name: LIBRARY_CONFIG_MAP, items: toItems(f.library) } },
    ],
    volumeMounts: [
      { name: "datavis-examples", mountPath: EXAMPLES_DIR, readOnly: true },
      { name: "datavis-library", mountPath: `${LIBRARY_DIR}/datavis_data`, readOnly: true },
    ],
    env: { PYTHONPATH: LIBRARY_DIR },
    postStart: ["sh", "-c", COPY_EXAMPLES],
  };
}
