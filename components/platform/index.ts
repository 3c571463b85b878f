/**
 * The shared platform layer: everything on the cluster, written once for both targets. It takes the four
 * target inputs (cluster, database, object storage, TLS issuer) plus settings from config, and never asks
 * which target it runs on.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../stacks/config";
import type { ClusterInput, DatabaseInput, ObjectStoreInput, TlsIssuerInput } from "./inputs";

export * from "./inputs";

export interface PlatformArgs {
  cluster: ClusterInput;
  database: DatabaseInput;
  objectStore: ObjectStoreInput;
  tls: TlsIssuerInput;
  /** The validated stack config: domain, tenants, sign-in, maintenance mode, retention, production. */
  settings: PlatformConfig;
}

export class Platform extends pulumi.ComponentResource {
  /** https URLs of the platform's endpoints. */
  readonly urls: { hub: string; grafana: string; headlamp: string };

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("datavis:platform:Platform", name, {}, opts);
    const d = args.settings.domain;
    this.urls = {
      hub: `https://hub.${d}`,
      grafana: `https://grafana.${d}`,
      headlamp: `https://headlamp.${d}`,
    };
    this.registerOutputs({ urls: this.urls });
  }
}
