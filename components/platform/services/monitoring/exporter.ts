/** A PostgreSQL exporter that tells whether the database answers (`pg_up`). */
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageRef, type ArtifactSource } from "../../../shared/artifacts";
import type { DatabaseInput } from "../../../shared/inputs";
import { IMAGES } from "../../../versions";
import { DB_CA_PATH } from "../database-roles";
import { SIZES, type SizeProfile } from "../sizing";

export interface PostgresExporterArgs {
  namespace: pulumi.Input<string>;
  database: DatabaseInput;
  reader: { username: string; password: pulumi.Input<string> };
  caConfigMap?: pulumi.Input<string>;
  profile: SizeProfile;
  /** Where the exporter image comes from (the cluster's artifact source). */
  source: ArtifactSource;
}

/** PostgreSQL exporter on the read-only role: `pg_up` for the DatabaseUnreachable alert, and DB health. */
export class PostgresExporter extends pulumi.ComponentResource {
  constructor(name: string, args: PostgresExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:PostgresExporter", name, {}, opts);
    const db = args.database;
    const labels = { "app.kubernetes.io/name": "postgres-exporter", "app.kubernetes.io/part-of": "datavis" };
    const meta = { name: "postgres-exporter", namespace: args.namespace, labels };
    const sslQuery = args.caConfigMap
      ? `sslmode=${db.sslMode}&sslrootcert=${DB_CA_PATH}`
      : `sslmode=${db.sslMode}`;
    const secret = new k8s.core.v1.Secret(
      name,
      {
        metadata: meta,
        type: "Opaque",
        stringData: {
          DATA_SOURCE_URI: pulumi.interpolate`${db.host}:${db.port}/${db.database}?${sslQuery}`,
          DATA_SOURCE_USER: args.reader.username,
          DATA_SOURCE_PASS: args.reader.password,
        },
      },
      { parent: this },
    );
    new k8s.apps.v1.Deployment(
      name,
      {
        metadata: meta,
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65534,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "exporter",
                  image: imageRef(IMAGES.postgresExporter, args.source),
                  envFrom: [{ secretRef: { name: secret.metadata.name } }],
                  ports: [{ name: "metrics", containerPort: 9187 }],
                  resources: SIZES[args.profile].postgresExporter,
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  readinessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 30 },
                  ...(args.caConfigMap
                    ? {
                        volumeMounts: [
                          { name: "db-ca", mountPath: path.posix.dirname(DB_CA_PATH), readOnly: true },
                        ],
                      }
                    : {}),
                },
              ],
              ...(args.caConfigMap
                ? { volumes: [{ name: "db-ca", configMap: { name: args.caConfigMap } }] }
                : {}),
            },
          },
        },
      },
      { parent: this },
    );
    const svc = new k8s.core.v1.Service(
      name,
      {
        metadata: meta,
        spec: { selector: labels, ports: [{ name: "metrics", port: 9187, targetPort: "metrics" }] },
      },
      { parent: this },
    );
    new k8s.apiextensions.CustomResource(
      name,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: meta,
        spec: {
          jobLabel: "app.kubernetes.io/name",
          selector: { matchLabels: labels },
          endpoints: [{ port: "metrics", interval: "30s" }],
        },
      },
      { parent: this, dependsOn: [svc] },
    );
    this.registerOutputs({});
  }
}
