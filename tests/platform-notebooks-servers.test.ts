/**
 * The notebook platform (issue 4) under both targets' inputs, read from what the program registers. What a
 * notebook server is: profiles, idle culling, home volumes, network policies, the single-user image, node
 * placement and TLS; the database and object-storage settings in every notebook.
 */
import { expect } from "chai";
import { one, ofType, runStack } from "./harness";
import { mergeValues, chartDefaults } from "./lib/chart-values";
import { IMAGES, SPARK_VERSION } from "../components/versions";
import { objectStorePort } from "../components/platform/tenants";
import { AIR_GAPPED, TUNED, byName, envOf, hub } from "./lib/notebooks";

describe("notebook platform: servers, storage and network", () => {
  it("users choose small, large or Spark servers, each with CPU and memory guarantees below their limits", async () => {
    const profiles = hub(await runStack("dev")).singleuser.profileList as any[];
    expect(profiles.map((p) => p.slug)).to.deep.equal(["small", "large", "spark"]);
    expect(profiles.filter((p) => p.default).map((p) => p.slug)).to.deep.equal(["small"]);
    const bytes = (q: string) => Number(q.slice(0, -1)) * 1e9;
    for (const p of profiles) {
      const o = p.kubespawner_override;
      expect(o.cpu_guarantee, p.slug).to.be.greaterThan(0).and.at.most(o.cpu_limit);
      expect(bytes(o.mem_guarantee), p.slug).to.be.greaterThan(0).and.at.most(bytes(o.mem_limit));
    }
    expect(profiles[2].kubespawner_override.environment.PYSPARK_SUBMIT_ARGS).to.match(
      /--master local\[\d+\]/,
    );
  });

  it("idle servers are culled after cullIdleMinutes", async () => {
    expect(hub(await runStack("dev")).cull).to.include({ enabled: true, timeout: 3600 });
    expect(hub(await runStack("dev", TUNED)).cull).to.include({ enabled: true, timeout: 1800 });
  });

  it("each user gets a volume of notebookStorageGi on the cluster's storage class", async () => {
    expect(hub(await runStack("dev")).singleuser.storage).to.include({ type: "dynamic", capacity: "10Gi" });
    expect(hub(await runStack("dev", TUNED)).singleuser.storage.capacity).to.equal("25Gi");
    expect(hub(await runStack("edge")).singleuser.storage.dynamic.storageClass).to.equal("local-path");
    const devRun = await runStack("dev");
    const devClass = hub(devRun).singleuser.storage.dynamic.storageClass;
    expect(devClass).to.be.a("string").and.not.equal("local-path");
    // The hub's one volume (its activity log; its database is the platform's PostgreSQL) too.
    const activity = one(devRun, "kubernetes:core/v1:PersistentVolumeClaim", "hub-activity-log");
    expect(activity.inputs.spec.storageClassName).to.equal(devClass);
  });

  it("z2jh network policies are on for the hub, the proxy and user servers; servers cannot reach cloud metadata", async () => {
    for (const stack of ["dev", "edge"]) {
      const v = mergeValues(chartDefaults("jupyterhub"), hub(await runStack(stack))) as any;
      expect(v.hub.networkPolicy.enabled).to.equal(true);
      expect(v.proxy.chp.networkPolicy.enabled).to.equal(true);
      expect(v.singleuser.networkPolicy.enabled).to.equal(true);
      expect(v.singleuser.networkPolicy.egressAllowRules.cloudMetadataServer).to.equal(false);
      expect(v.singleuser.networkPolicy.egressAllowRules.privateIPs).to.equal(false);
      // No privileged iptables init container in user pods.
      expect(v.singleuser.cloudMetadata.blockWithIptables).to.equal(false);
    }
  });

  it("user servers may reach the database and object storage ports, and only those, inside private networks", async () => {
    const edgeEgress = hub(await runStack("edge")).singleuser.networkPolicy.egress;
    expect(edgeEgress).to.deep.equal([
      {
        ports: [
          { protocol: "TCP", port: 5432 },
          { protocol: "TCP", port: 8333 },
        ],
      },
    ]);
    expect(objectStorePort(undefined)).to.equal(443);
    expect(objectStorePort("http://store.svc")).to.equal(80);
  });

  it("user servers run the pinned single-user image as a non-root user", async () => {
    const su = mergeValues(chartDefaults("jupyterhub"), hub(await runStack("dev"))) as any;
    expect(`${su.singleuser.image.name}:${su.singleuser.image.tag}`).to.equal(IMAGES.singleuser);
    expect(IMAGES.singleuser).to.match(/:[0-9][\w.-]*$/);
    // The project's own image (the option) carries pyspark of the Spark the cluster's jobs run.
    expect(IMAGES.singleuserProject).to.contain(`spark${SPARK_VERSION}`);
    expect(su.singleuser.uid).to.equal(1000);
    expect(su.singleuser.allowPrivilegeEscalation).to.equal(false);
    expect(su.singleuser.extraPodConfig.securityContext.runAsNonRoot).to.equal(true);
  });

  it("a fork's own single-user image (singleUserImage) replaces the pinned one", async () => {
    const image = hub(await runStack("dev", TUNED)).singleuser.image;
    expect(image).to.include({ name: "registry.example.org/data/singleuser", tag: "2026.01.05" });
  });

  it("air-gapped sites pull the single-user image and every chart image from the registry mirror", async () => {
    const v = hub(await runStack("edge", AIR_GAPPED));
    expect(v.singleuser.image.name).to.equal("registry.lab.local:5000/jupyter/pyspark-notebook");
    expect(v.hub.image.name).to.equal("registry.lab.local:5000/jupyterhub/k8s-hub");
    expect(v.proxy.chp.image.name).to.equal("registry.lab.local:5000/jupyterhub/configurable-http-proxy");
    expect(v.proxy.traefik.image.name).to.equal("registry.lab.local:5000/library/traefik");
  });

  it("on AWS user servers sit on the notebook node pool", async () => {
    const su = hub(await runStack("dev")).singleuser;
    expect(Object.keys(su.nodeSelector)).to.have.lengthOf(1);
    expect(su.extraTolerations[0].effect).to.equal("NoSchedule");
  });

  it("the hub is served over TLS through the cluster's ingress with a cert-manager certificate", async () => {
    const v = hub(await runStack("dev"));
    expect(v.ingress.enabled).to.equal(true);
    expect(v.ingress.hosts).to.deep.equal(["hub.dev.datavis.example.org"]);
    expect(v.ingress.annotations["cert-manager.io/cluster-issuer"]).to.be.a("string").and.not.empty;
    expect(v.ingress.tls[0].hosts).to.deep.equal(["hub.dev.datavis.example.org"]);
    expect(v.proxy.service.type).to.equal("ClusterIP");
  });
});

describe("notebook platform: database and object storage in every notebook", () => {
  it("AWS: libpq settings with verify-full TLS, the password from a Secret, the RDS CA mounted", async () => {
    const run = await runStack("dev");
    const env = envOf(run);
    expect(env).to.include({
      PGSSLMODE: "verify-full",
      PGPORT: "5432",
      PGSSLROOTCERT: "/etc/datavis/db-ca/ca.crt",
    });
    expect(env.PGHOST).to.match(/rds\.amazonaws\.com$/);
    expect(env.PGPASSWORD.valueFrom.secretKeyRef).to.deep.equal({
      name: "notebook-database",
      key: "password",
    });
    expect(env.PGUSER).to.be.a("string").and.not.empty;
    const cm = ofType(run, "kubernetes:core/v1:ConfigMap").find(
      (c) => c.inputs.metadata.name === "datavis-config" && c.inputs.metadata.namespace === "jupyterhub",
    );
    expect(cm, "datavis-config ConfigMap in jupyterhub").to.exist;
    expect(Object.keys(cm!.inputs.data)).to.include("db-ca.crt");
  });

  it("AWS: S3 through the notebook service account's IAM role: region and buckets set, no keys anywhere", async () => {
    const run = await runStack("dev");
    const env = envOf(run);
    expect(env.AWS_REGION).to.equal("us-east-1");
    expect(env.NOTEBOOKS_BUCKET).to.be.a("string").and.not.empty;
    expect(env.DATASETS_BUCKET).to.be.a("string").and.not.empty;
    expect(env).not.to.have.any.keys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL");
    const sa = byName(run, "kubernetes:core/v1:ServiceAccount", "notebook-sa");
    expect(sa.metadata).to.include({ name: "notebook", namespace: "jupyterhub" });
    expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).to.match(/^arn:aws:iam::\d{12}:role\//);
    expect(sa.automountServiceAccountToken).to.equal(false);
    expect(hub(run).singleuser.serviceAccountName).to.equal("notebook");
  });

  it("edge: the in-cluster S3 endpoint, path-style addressing and keys from a Secret", async () => {
    const run = await runStack("edge");
    const env = envOf(run);
    expect(env.AWS_ENDPOINT_URL).to.match(/^http:\/\/.+:8333$/);
    expect(env.AWS_CONFIG_FILE).to.equal("/etc/datavis/aws/config");
    expect(env.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef.name).to.equal("notebook-object-store");
    expect(env.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef.name).to.equal("notebook-object-store");
    expect(env.PGSSLMODE).to.equal("require");
    const keys = ofType(run, "kubernetes:core/v1:Secret").find(
      (s) =>
        s.inputs.metadata.name === "notebook-object-store" && s.inputs.metadata.namespace === "jupyterhub",
    );
    expect(keys!.displayInputs.stringData).to.equal("[secret]");
  });
});
