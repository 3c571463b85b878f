/**
 * Notebook servers the cluster suite admits and places, shaped as KubeSpawner builds them from the
 * JupyterHub release's values: the profiles, the pod of one user's server, and the namespaces servers run in.
 */
import { chartKeyOf } from "../plan/estimates/chart-requests";
import { spawnerMemoryMi } from "../plan/estimates/requests";
import { manifests, releases, type Plan } from "./plan";
import { dns, PLACEMENT_LABEL } from "./workloads";

export interface Profile {
  slug: string;
  displayName: string;
  cpuGuarantee?: number;
  cpuLimit?: number;
  memGuarantee?: string;
  memLimit?: string;
  default: boolean;
  override: Record<string, any>;
}

export function hubRelease(plan: Plan): { namespace: string; values: any } | undefined {
  const r = releases(plan).find((x) => chartKeyOf(String(x.inputs.chart ?? "")) === "jupyterhub");
  return r
    ? { namespace: String(r.inputs.namespace ?? "default"), values: r.inputs.values ?? {} }
    : undefined;
}

export function profiles(values: any): Profile[] {
  const su = values.singleuser ?? {};
  const list: any[] = su.profileList?.length
    ? su.profileList
    : [{ slug: "default", display_name: "Default", default: true }];
  return list.map((p, i) => {
    const o = p.kubespawner_override ?? {};
    return {
      slug: String(p.slug ?? dns(p.display_name ?? `profile-${i}`)),
      displayName: String(p.display_name ?? p.slug),
      cpuGuarantee: o.cpu_guarantee ?? su.cpu?.guarantee,
      cpuLimit: o.cpu_limit ?? su.cpu?.limit,
      memGuarantee: o.mem_guarantee ?? su.memory?.guarantee,
      memLimit: o.mem_limit ?? su.memory?.limit,
      default: !!p.default || (i === 0 && !list.some((x) => x.default)),
      override: o,
    };
  });
}

/** KubeSpawner's memory strings use 1024-based K/M/G/T (kubespawner/utils.py); the pod gets bytes. */
const bytes = (m: string | undefined): string | undefined => {
  const mi = spawnerMemoryMi(m);
  return mi === undefined ? undefined : String(Math.round(mi * 2 ** 20));
};

/**
 * The pod KubeSpawner (z2jh 4.4.0) makes for `user`'s server with `profile`, from the chart's singleuser
 * values over the chart's defaults (uid 1000, fsGid 100, allowPrivilegeEscalation false, the user-pod
 * tolerations and preferred node purpose). `extraPodConfig` is applied over the generated spec the way
 * KubeSpawner's update_k8s_model does: a key it sets replaces the generated one (a `securityContext` there
 * replaces the pod security context with fsGroup). `home: "claim"` mounts the user's PVC (admission);
 * `home: "none"` leaves volumes out (placement: claims are not provisioned here).
 */
export function notebookPod(
  values: any,
  namespace: string,
  user: string,
  profile: Profile,
  home: "claim" | "none",
): Record<string, any> {
  const su = values.singleuser ?? {};
  const o = profile.override;
  const image =
    o.image ?? `${su.image?.name ?? "quay.io/jupyterhub/k8s-singleuser-sample"}:${su.image?.tag ?? "latest"}`;
  const uid = o.uid ?? su.uid ?? 1000;
  const fsGid = o.fs_gid ?? su.fsGid ?? 100;
  const ape = su.allowPrivilegeEscalation ?? false;
  const env = { ...(su.extraEnv ?? {}), ...(o.environment ?? {}) };
  const storage = su.storage ?? {};
  const volumes: any[] = [];
  const mounts: any[] = [];
  if (home === "claim" && (storage.type ?? "dynamic") === "dynamic") {
    volumes.push({ name: `volume-${user}`, persistentVolumeClaim: { claimName: `claim-${user}` } });
    mounts.push({ name: `volume-${user}`, mountPath: storage.homeMountPath ?? "/home/jovyan" });
  }
  if (home === "claim") {
    volumes.push(...(storage.extraVolumes ?? []));
    mounts.push(...(storage.extraVolumeMounts ?? []));
  }
  // singleuser.initContainers first (z2jh's jupyterhub_config.py sets KubeSpawner.init_containers from it,
  // line 167, then appends the metadata blocker, line 482): the notebook extras' install, for one. They
  // mount storage.extraVolumes, so they come with them (a pod without its home here has neither).
  const initContainers: any[] = home === "claim" ? [...(o.init_containers ?? su.initContainers ?? [])] : [];
  if (su.cloudMetadata?.blockWithIptables ?? true)
    initContainers.push({
      name: "block-cloud-metadata",
      image: "quay.io/jupyterhub/k8s-network-tools:4.4.0",
      command: [
        "iptables",
        "--append",
        "OUTPUT",
        "--protocol",
        "tcp",
        "--destination",
        su.cloudMetadata?.ip ?? "169.254.169.254",
        "--destination-port",
        "80",
        "--jump",
        "DROP",
      ],
      securityContext: { runAsUser: 0, privileged: false, capabilities: { add: ["NET_ADMIN"] } },
    });
  const resources: any = { requests: {}, limits: {} };
  if (profile.cpuGuarantee !== undefined) resources.requests.cpu = String(profile.cpuGuarantee);
  if (profile.memGuarantee !== undefined) resources.requests.memory = bytes(profile.memGuarantee);
  if (profile.cpuLimit !== undefined) resources.limits.cpu = String(profile.cpuLimit);
  if (profile.memLimit !== undefined) resources.limits.memory = bytes(profile.memLimit);
  const userTolerations = values.scheduling?.userPods?.tolerations ?? [
    { key: "hub.jupyter.org/dedicated", operator: "Equal", value: "user", effect: "NoSchedule" },
    { key: "hub.jupyter.org_dedicated", operator: "Equal", value: "user", effect: "NoSchedule" },
  ];
  const spec: Record<string, any> = {
    securityContext: { fsGroup: fsGid },
    serviceAccountName: o.service_account ?? su.serviceAccountName ?? undefined,
    automountServiceAccountToken: su.serviceAccountName ? undefined : false,
    nodeSelector: o.node_selector ?? su.nodeSelector,
    tolerations: [...userTolerations, ...(su.extraTolerations ?? []), ...(o.tolerations ?? [])],
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            preference: {
              matchExpressions: [{ key: "hub.jupyter.org/node-purpose", operator: "In", values: ["user"] }],
            },
          },
        ],
      },
    },
    initContainers: initContainers.length ? initContainers : undefined,
    containers: [
      {
        name: "notebook",
        image,
        args: [su.cmd ?? "jupyterhub-singleuser"],
        ports: [{ name: "notebook-port", containerPort: 8888 }],
        env: Object.entries(env).map(([name, v]) =>
          typeof v === "object" ? { name, ...(v as object) } : { name, value: String(v) },
        ),
        resources,
        securityContext: {
          runAsUser: uid,
          allowPrivilegeEscalation: ape,
          ...(su.extraContainerConfig?.securityContext ?? {}),
          // hub.config is the hub's traitlets config: KubeSpawner merges container_security_context last.
          ...(values.hub?.config?.KubeSpawner?.container_security_context ?? {}),
        },
        volumeMounts: mounts.length ? mounts : undefined,
      },
    ],
    volumes: volumes.length ? volumes : undefined,
    restartPolicy: "OnFailure",
  };
  for (const [k, v] of Object.entries(su.extraPodConfig ?? {})) spec[k] = v;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: dns(`jupyter-${user}-${profile.slug}`),
      namespace,
      labels: { component: "singleuser-server", "hub.jupyter.org/username": user, [PLACEMENT_LABEL]: "user" },
      annotations: { "datavis.io/component": `notebook ${profile.slug}` },
    },
    spec: JSON.parse(JSON.stringify(spec)),
  };
}

/** Namespaces where user servers run: the hub's (z2jh's single namespace), a profile's override, and
 * every tenant namespace (a tenant's students' servers belong there). */
export function serverNamespaces(plan: Plan, hubNs: string, values: any): string[] {
  const ns = new Set<string>([hubNs]);
  for (const p of profiles(values)) if (p.override.namespace) ns.add(String(p.override.namespace));
  for (const m of manifests(plan))
    if (m.object.kind === "Namespace" && m.object.metadata?.labels?.["datavis.io/tenant"])
      ns.add(m.object.metadata.name);
  return [...ns];
}
