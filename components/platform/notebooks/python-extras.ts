/**
 * The notebook extras for the default single-user image (IMAGES.singleuser, Jupyter Docker Stacks'
 * pyspark-notebook): that image has JupyterLab, pandas, pyarrow, Spark and Java, but not what the examples
 * need besides: papermill (scheduled runs), psycopg (the upload and ETL notebooks, datavis_data), boto3 (S3
 * sources and outputs, the home backups) and the Kubernetes client (the Spark job notebook).
 *
 * Why installed at start rather than baked in: the default must be an image anyone can pull today, and
 * only upstream publishes one; the project's own image (images/singleuser, `singleUserImage`) bakes the
 * same packages in for sites that want no start-up step at all (air-gapped sites without a PyPI mirror).
 *
 * How, in every pod that runs the image (notebook servers, scheduled runs, backup jobs):
 * - an init container of the same image runs `pip install --no-deps --require-hashes --only-binary=:all:
 *   --target` of extras/requirements.lock (every package of the closure pinned with its wheels' sha256) from
 *   the package index (pypi.org, or the site's mirror: `notebookPackageIndex`) into an emptyDir: no compiler,
 *   no resolver, nothing unpinned, and the pod is not started when a download does not match its hash;
 * - the server container mounts that folder read-only, and `sitecustomize.py` (on PYTHONPATH) appends it to
 *   the END of sys.path in every Python the pod starts (server, kernels, terminals, papermill), so the
 *   image's own packages are never shadowed;
 * - the folder lives as long as the pod: a new server always gets exactly the lock's versions, a user's
 *   `pip install --user` in the home is untouched, and nothing lands in the home (or its backups).
 */
import * as fs from "fs";
import * as path from "path";
import type * as k8s from "@pulumi/kubernetes";

export const PYTHON_EXTRAS_CONFIG_MAP = "datavis-python-extras";
/** The emptyDir the init container installs into. */
export const EXTRAS_DIR = "/opt/datavis/extras";
/** Where the lock is mounted for the init container. */
export const EXTRAS_LOCK_DIR = "/opt/datavis/extras-lock";
/** Folder on PYTHONPATH holding sitecustomize.py. */
export const EXTRAS_SITE_DIR = "/opt/datavis/site";
export const DEFAULT_PACKAGE_INDEX = "https://pypi.org/simple";

const SOURCE = path.join(__dirname, "extras");

/** Data of the ConfigMap (one per namespace whose pods run the default image). */
export function pythonExtrasConfigMap(source = SOURCE): Record<string, string> {
  return {
    "requirements.lock": fs.readFileSync(path.join(source, "requirements.lock"), "utf8"),
    "sitecustomize.py": fs.readFileSync(path.join(source, "sitecustomize.py"), "utf8"),
  };
}

/** The init container's script: pip from the image's own Python, hashes required, wheels only. */
export const INSTALL_EXTRAS = [
  `python3 -m pip install --disable-pip-version-check --no-cache-dir --no-input --no-deps`,
  `--require-hashes --only-binary=:all: --target ${EXTRAS_DIR}`,
  `--index-url "$PIP_INDEX_URL" -r ${EXTRAS_LOCK_DIR}/requirements.lock`,
  `&& echo "notebook extras installed from $PIP_INDEX_URL into ${EXTRAS_DIR}"`,
].join(" ");

/** What a pod spec gets so that its Python sees the extras. */
export interface PythonExtrasPod {
  initContainer: k8s.types.input.core.v1.Container;
  volumes: k8s.types.input.core.v1.Volume[];
  /** Mounts of the container(s) that run Python. */
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  /** PYTHONPATH entry (join it with any other) and DATAVIS_PYTHON_EXTRAS. */
  pythonPath: string;
  env: Record<string, string>;
}

export interface PythonExtrasArgs {
  /** The single-user image (its Python and pip install what its Python will import). */
  image: string;
  /** PyPI simple index; DEFAULT_PACKAGE_INDEX when empty. */
  indexUrl?: string;
  /** The pod's user (the files belong to it); jovyan by default. */
  runAsUser?: number;
  runAsGroup?: number;
}

export function pythonExtrasPod(a: PythonExtrasArgs): PythonExtrasPod {
  return {
    initContainer: {
      name: "python-extras",
      image: a.image,
      command: ["sh", "-c", INSTALL_EXTRAS],
      env: [
        { name: "PIP_INDEX_URL", value: a.indexUrl || DEFAULT_PACKAGE_INDEX },
        { name: "HOME", value: "/tmp" },
      ],
      // pip's peak while unpacking botocore; the wheels are streamed, not cached.
      resources: { requests: { cpu: "100m", memory: "192Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      securityContext: {
        runAsUser: a.runAsUser ?? 1000,
        runAsGroup: a.runAsGroup ?? 100,
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      volumeMounts: [
        { name: "python-extras", mountPath: EXTRAS_DIR },
        { name: "python-extras-lock", mountPath: EXTRAS_LOCK_DIR, readOnly: true },
        { name: "python-extras-tmp", mountPath: "/tmp" },
      ],
    },
    volumes: [
      { name: "python-extras", emptyDir: { sizeLimit: "512Mi" } },
      { name: "python-extras-tmp", emptyDir: { sizeLimit: "256Mi" } },
      {
        name: "python-extras-lock",
        configMap: {
          name: PYTHON_EXTRAS_CONFIG_MAP,
          items: [{ key: "requirements.lock", path: "requirements.lock" }],
        },
      },
      {
        name: "python-extras-site",
        configMap: {
          name: PYTHON_EXTRAS_CONFIG_MAP,
          items: [{ key: "sitecustomize.py", path: "sitecustomize.py" }],
        },
      },
    ],
    volumeMounts: [
      { name: "python-extras", mountPath: EXTRAS_DIR, readOnly: true },
      { name: "python-extras-site", mountPath: EXTRAS_SITE_DIR, readOnly: true },
    ],
    pythonPath: EXTRAS_SITE_DIR,
    env: { DATAVIS_PYTHON_EXTRAS: EXTRAS_DIR },
  };
}

/** TCP port of a package index URL (the servers' network policy opens it). */
export function indexPort(url: string): number {
  const u = new URL(url || DEFAULT_PACKAGE_INDEX);
  return u.port ? Number(u.port) : u.protocol === "http:" ? 80 : 443;
}
