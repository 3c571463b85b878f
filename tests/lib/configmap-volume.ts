/**
 * A ConfigMap volume as the kubelet lays it out, in a temporary folder, so a test can run what a pod runs
 * from it: the data in a hidden timestamped folder, `..data` a link to it, and each key a link
 * `<key> -> ..data/<key>` (kubernetes pkg/volume/util/atomic_writer.go, AtomicWriter.Write). With the
 * volume's `items`, only the listed keys land, at their paths.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Returns the folder that stands for the mount path. */
export function mountConfigMap(
  data: Record<string, string>,
  items: { key: string; path: string }[] = Object.keys(data).map((key) => ({ key, path: key })),
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "configmap-volume-"));
  const stamped = "..2026_11_30_02_17_00.000000001";
  for (const item of items) {
    const file = path.join(dir, stamped, item.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data[item.key]);
  }
  fs.symlinkSync(stamped, path.join(dir, "..data"));
  for (const top of new Set(items.map((i) => i.path.split("/")[0]))) {
    fs.symlinkSync(path.join("..data", top), path.join(dir, top));
  }
  return dir;
}
