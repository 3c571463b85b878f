/**
 * Every rule of the policy pack trips on a resource that violates it and stays quiet on one that
 * complies. Fixtures are tiny programs registering real @pulumi/aws, @pulumi/eks and @pulumi/kubernetes
 * resources under the mock runtime (tests/fixtures/policies/record.ts), so the rules see the inputs the
 * SDKs really send; shapes the SDKs cannot register under mocks use hand-written resources.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { evaluatePolicies, type Violation } from "../tools/plan/policy-eval";
import { rule, syntheticRun, violationsOf, type FixtureStack } from "./fixtures/policies/record";

/** Asserts that `program` trips `ruleName` (every finding at the rule's level) and returns the messages. */
async function reported(ruleName: string, program: () => void, stack: FixtureStack = {}): Promise<string[]> {
  const v = await violationsOf(ruleName, program, stack);
  expect(v, `${ruleName} should report`).to.not.be.empty;
  for (const x of v) expect(x.policy).to.equal(ruleName);
  return v.map((x) => x.message);
}

async function quiet(ruleName: string, program: () => void, stack: FixtureStack = {}): Promise<void> {
  const v: Violation[] = await violationsOf(ruleName, program, stack);
  expect(
    v.map((x) => x.message),
    `${ruleName} should not report`,
  ).to.deep.equal([]);
}

const TLS_ONLY = (arn: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyPlainHttp",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });

/** A bucket with everything the S3 rules ask for; `omit` drops one piece. */
function compliantBucket(
  name: string,
  omit: "publicAccessBlock" | "encryption" | "policy" | "versioning" | "none" = "none",
  opts: pulumi.CustomResourceOptions = {},
): aws.s3.Bucket {
  const key = new aws.kms.Key(`${name}-key`, { enableKeyRotation: true });
  const bucket = new aws.s3.Bucket(name, { bucketPrefix: `datavis-${name}-` }, opts);
  if (omit !== "publicAccessBlock") {
    new aws.s3.BucketPublicAccessBlock(name, {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  }
  if (omit !== "encryption") {
    new aws.s3.BucketServerSideEncryptionConfiguration(name, {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn } }],
    });
  }
  if (omit !== "policy")
    new aws.s3.BucketPolicy(name, { bucket: bucket.id, policy: bucket.arn.apply(TLS_ONLY) });
  if (omit !== "versioning") {
    new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
  }
  return bucket;
}

describe("policy pack: S3", () => {
  it("a bucket without a public access block is reported", async () => {
    const msgs = await reported("s3-bucket-public-access-blocked", () =>
      compliantBucket("data", "publicAccessBlock"),
    );
    expect(msgs[0]).to.match(/no BucketPublicAccessBlock/);
  });

  it("a public access block that leaves one setting off is reported, naming it", async () => {
    const msgs = await reported("s3-bucket-public-access-blocked", () => {
      const b = new aws.s3.Bucket("data", {});
      new aws.s3.BucketPublicAccessBlock("data", {
        bucket: b.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: false,
      });
    });
    expect(msgs).to.deep.equal(["public access block data leaves restrictPublicBuckets off"]);
  });

  it("a bucket with all four public access blocks passes", () =>
    quiet("s3-bucket-public-access-blocked", () => compliantBucket("data")));

  it("a bucket without default encryption is reported", async () => {
    const msgs = await reported("s3-bucket-kms-encryption", () => compliantBucket("data", "encryption"));
    expect(msgs[0]).to.match(/declares no default encryption/);
  });

  it("a data bucket encrypted with SSE-S3 instead of KMS is reported", async () => {
    const msgs = await reported("s3-bucket-kms-encryption", () => {
      const b = new aws.s3.Bucket("data", {});
      new aws.s3.BucketServerSideEncryptionConfiguration("data", {
        bucket: b.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      });
    });
    expect(msgs[0]).to.match(/AES256, not a KMS key/);
  });

  it("a KMS-encrypted bucket passes, and an access-log bucket may use SSE-S3", () =>
    quiet("s3-bucket-kms-encryption", () => {
      compliantBucket("data");
      const logs = new aws.s3.Bucket("logs", { tags: { "datavis:data-class": "access-logs" } });
      new aws.s3.BucketServerSideEncryptionConfiguration("logs", {
        bucket: logs.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      });
    }));

  it("a bucket whose policy does not deny plain HTTP is reported", async () => {
    await reported("s3-bucket-tls-only", () => compliantBucket("data", "policy"));
    await reported("s3-bucket-tls-only", () => {
      const b = new aws.s3.Bucket("data", {});
      new aws.s3.BucketPolicy("data", {
        bucket: b.id,
        policy: b.arn.apply((arn) =>
          JSON.stringify({
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::123456789012:root" },
                Action: "s3:GetObject",
                Resource: `${arn}/*`,
              },
            ],
          }),
        ),
      });
    });
  });

  it("a bucket whose policy denies s3:* without aws:SecureTransport passes", () =>
    quiet("s3-bucket-tls-only", () => compliantBucket("data")));

  it("an unversioned notebook bucket is reported", async () => {
    const msgs = await reported("s3-notebook-bucket-versioning", () =>
      compliantBucket("notebooks", "versioning"),
    );
    expect(msgs[0]).to.match(/notebook bucket notebooks .* is not versioned/);
  });

  it("a versioned notebook bucket passes, and other buckets need no versioning", () =>
    quiet("s3-notebook-bucket-versioning", () => {
      compliantBucket("notebooks");
      compliantBucket("spark", "versioning");
    }));
});

/** An RDS PostgreSQL instance; `args` overrides the compliant settings. */
function postgres(args: Partial<aws.rds.InstanceArgs> = {}, opts: pulumi.CustomResourceOptions = {}) {
  const params = new aws.rds.ParameterGroup("pg17", {
    family: "postgres17",
    parameters: [{ name: "rds.force_ssl", value: "1" }],
  });
  return new aws.rds.Instance(
    "db",
    {
      engine: "postgres",
      engineVersion: "17.6",
      instanceClass: "db.t4g.small",
      allocatedStorage: 20,
      username: "datavis",
      password: "not-a-real-password",
      storageEncrypted: true,
      publiclyAccessible: false,
      backupRetentionPeriod: 14,
      multiAz: true,
      deletionProtection: true,
      parameterGroupName: params.name,
      ...args,
    },
    opts,
  );
}

describe("policy pack: RDS", () => {
  it("unencrypted storage is reported", () =>
    reported("rds-storage-encrypted", () => postgres({ storageEncrypted: false })));
  it("encrypted storage passes", () => quiet("rds-storage-encrypted", () => postgres()));

  it("a publicly accessible instance is reported", () =>
    reported("rds-not-publicly-accessible", () => postgres({ publiclyAccessible: true })));
  it("a private instance passes", () => quiet("rds-not-publicly-accessible", () => postgres()));

  it("backups kept under 7 days are reported with the figure", async () => {
    const msgs = await reported("rds-backup-retention-7-days", () => postgres({ backupRetentionPeriod: 3 }));
    expect(msgs[0]).to.match(/3 day\(s\)/);
  });
  it("7 days of backups pass", () =>
    quiet("rds-backup-retention-7-days", () => postgres({ backupRetentionPeriod: 7 })));

  it("a single-AZ instance in production is reported", () =>
    reported("rds-multi-az-in-production", () => postgres({ multiAz: false }), { environment: "prod" }));
  it("a single-AZ instance passes in dev, a Multi-AZ one in production", async () => {
    await quiet("rds-multi-az-in-production", () => postgres({ multiAz: false }), { environment: "dev" });
    await quiet("rds-multi-az-in-production", () => postgres(), { environment: "prod" });
  });

  it("an instance without deletion protection in production is reported", () =>
    reported("rds-deletion-protection-in-production", () => postgres({ deletionProtection: false }), {
      environment: "prod",
    }));
  it("deletion protection passes in production; dev may go without", async () => {
    await quiet("rds-deletion-protection-in-production", () => postgres(), { environment: "prod" });
    await quiet("rds-deletion-protection-in-production", () => postgres({ deletionProtection: false }));
  });

  it("a parameter group without rds.force_ssl = 1 is reported", async () => {
    const msgs = await reported("rds-postgres-force-ssl", () => {
      const params = new aws.rds.ParameterGroup("pg17-no-ssl", {
        family: "postgres17",
        parameters: [{ name: "log_min_duration_statement", value: "500" }],
      });
      postgres({ parameterGroupName: params.name });
    });
    expect(msgs.some((m) => /does not set rds.force_ssl = 1/.test(m))).to.be.true;
  });
  it("an instance on the default parameter group is reported", async () => {
    const msgs = await reported("rds-postgres-force-ssl", () => postgres({ parameterGroupName: undefined }));
    expect(msgs[0]).to.match(/does not use a parameter group from this stack/);
  });
  it("a parameter group with rds.force_ssl = 1 passes", () =>
    quiet("rds-postgres-force-ssl", () => postgres()));

  it("turning off automatic minor upgrades is reported (advisory)", async () => {
    const v = await violationsOf("rds-auto-minor-version-upgrade", () =>
      postgres({ autoMinorVersionUpgrade: false }),
    );
    expect(v.map((x) => x.level)).to.deep.equal(["advisory"]);
  });
  it("automatic minor upgrades (the default) pass", () =>
    quiet("rds-auto-minor-version-upgrade", () => postgres()));
});

/** An @pulumi/eks cluster (remote component); `args` overrides the compliant settings. */
function eksCluster(args: Partial<eks.ClusterArgs> = {}) {
  const key = new aws.kms.Key("eks-secrets", { enableKeyRotation: true });
  return new eks.Cluster("eks", {
    skipDefaultNodeGroup: true,
    encryptionConfigKeyArn: key.arn,
    enabledClusterLogTypes: ["api", "audit", "authenticator"],
    endpointPublicAccess: true,
    publicAccessCidrs: ["203.0.113.0/24"],
    ...args,
  });
}

/** The aws:eks/cluster:Cluster an @pulumi/eks cluster creates in a real deployment. */
function awsEksCluster(args: Partial<aws.eks.ClusterArgs> = {}) {
  return new aws.eks.Cluster("eks", {
    roleArn: "arn:aws:iam::123456789012:role/eks",
    vpcConfig: {
      subnetIds: ["subnet-1", "subnet-2"],
      endpointPublicAccess: false,
      endpointPrivateAccess: true,
    },
    encryptionConfig: {
      provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/k" },
      resources: ["secrets"],
    },
    enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    ...args,
  });
}

describe("policy pack: EKS", () => {
  it("a cluster without secrets encryption is reported (component and aws:eks resource)", async () => {
    await reported("eks-secrets-encryption", () => eksCluster({ encryptionConfigKeyArn: undefined }));
    await reported("eks-secrets-encryption", () => awsEksCluster({ encryptionConfig: undefined }));
  });
  it("a cluster encrypting secrets with a KMS key passes, even while the key's ARN is unknown", async () => {
    await quiet("eks-secrets-encryption", () => eksCluster());
    await quiet("eks-secrets-encryption", () => awsEksCluster());
    const unknownKey = await violationsOf("eks-secrets-encryption", () => eksCluster(), {}, [
      "aws:kms/key:Key",
    ]);
    expect(unknownKey).to.deep.equal([]);
  });

  it("a cluster without audit logs is reported, naming what is missing", async () => {
    const msgs = await reported("eks-control-plane-logging", () =>
      eksCluster({ enabledClusterLogTypes: ["api"] }),
    );
    expect(msgs[0]).to.equal("enabledClusterLogTypes lacks audit, authenticator");
    await reported("eks-control-plane-logging", () => awsEksCluster({ enabledClusterLogTypes: [] }));
  });
  it("a cluster logging api, audit and authenticator passes", async () => {
    await quiet("eks-control-plane-logging", () => eksCluster());
    await quiet("eks-control-plane-logging", () => awsEksCluster());
  });

  it("a public endpoint without CIDRs (open to 0.0.0.0/0) or with 0.0.0.0/0 is reported", async () => {
    const msgs = await reported("eks-endpoint-not-open-to-internet", () =>
      eksCluster({ publicAccessCidrs: undefined }),
    );
    expect(msgs[0]).to.match(/0\.0\.0\.0\/0/);
    await reported("eks-endpoint-not-open-to-internet", () =>
      awsEksCluster({
        vpcConfig: { subnetIds: ["subnet-1"], endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
      }),
    );
  });
  it("a private endpoint, or one public to listed CIDRs, passes", async () => {
    await quiet("eks-endpoint-not-open-to-internet", () => eksCluster());
    await quiet("eks-endpoint-not-open-to-internet", () => awsEksCluster());
  });

  it("node launch templates without IMDSv2, and node groups without a template, are reported", async () => {
    await reported(
      "eks-nodes-imdsv2",
      () => new aws.ec2.LaunchTemplate("nodes", { metadataOptions: { httpTokens: "optional" } }),
    );
    await reported(
      "eks-nodes-imdsv2",
      () =>
        new aws.eks.NodeGroup("nodes", {
          clusterName: "c",
          nodeRoleArn: "arn:aws:iam::123456789012:role/node",
          subnetIds: ["subnet-1"],
          scalingConfig: { minSize: 1, maxSize: 2, desiredSize: 1 },
        }),
    );
    await reported("eks-nodes-imdsv2", () => eksCluster({ skipDefaultNodeGroup: false }));
  });
  it("nodes launched from a template requiring IMDSv2 pass", () =>
    quiet("eks-nodes-imdsv2", () => {
      const lt = new aws.ec2.LaunchTemplate("nodes", {
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2, httpEndpoint: "enabled" },
      });
      new aws.eks.NodeGroup("nodes", {
        clusterName: "c",
        nodeRoleArn: "arn:aws:iam::123456789012:role/node",
        subnetIds: ["subnet-1"],
        scalingConfig: { minSize: 1, maxSize: 2, desiredSize: 1 },
        launchTemplate: { id: lt.id, version: pulumi.interpolate`${lt.latestVersion}` },
      });
      eksCluster({ skipDefaultNodeGroup: true });
    }));
});

describe("policy pack: network", () => {
  it("SSH from the internet is reported, inline or as a separate rule", async () => {
    const msgs = await reported("ec2-no-world-ingress", () => {
      new aws.ec2.SecurityGroup("nodes", {
        vpcId: "vpc-1",
        ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
      });
      const db = new aws.ec2.SecurityGroup("db", { vpcId: "vpc-1" });
      new aws.vpc.SecurityGroupIngressRule("db-pg", {
        securityGroupId: db.id,
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        cidrIpv6: "::/0",
      });
      new aws.ec2.SecurityGroupRule("db-all", {
        type: "ingress",
        securityGroupId: db.id,
        protocol: "-1",
        fromPort: 0,
        toPort: 0,
        cidrBlocks: ["0.0.0.0/0"],
      });
    });
    expect(msgs).to.have.lengthOf(3);
    expect(msgs[0]).to.equal("nodes admits tcp 22 from 0.0.0.0/0");
  });
  it("a load balancer may open only TCP 80/443 to the internet", async () => {
    const msgs = await reported("ec2-no-world-ingress", () => {
      new aws.ec2.SecurityGroup("lb", {
        vpcId: "vpc-1",
        tags: { "datavis:role": "load-balancer" },
        ingress: [{ protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["0.0.0.0/0"] }],
      });
    });
    expect(msgs[0]).to.match(/load balancers may only open TCP 80\/443/);
  });
  it("HTTPS on a load balancer and private-range ingress elsewhere pass", () =>
    quiet("ec2-no-world-ingress", () => {
      const lb = new aws.ec2.SecurityGroup("lb", {
        vpcId: "vpc-1",
        tags: { "datavis:role": "load-balancer" },
        ingress: [
          { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
          { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
        ],
      });
      new aws.vpc.SecurityGroupIngressRule("lb-https6", {
        securityGroupId: lb.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv6: "::/0",
      });
      new aws.ec2.SecurityGroup("db", {
        vpcId: "vpc-1",
        ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }],
      });
    }));

  it("a VPC without a flow log is reported", () =>
    reported("vpc-flow-logs-enabled", () => new aws.ec2.Vpc("net", { cidrBlock: "10.0.0.0/16" })));
  it("a VPC with a flow log passes", () =>
    quiet("vpc-flow-logs-enabled", () => {
      const vpc = new aws.ec2.Vpc("net", { cidrBlock: "10.0.0.0/16" });
      new aws.ec2.FlowLog("net", {
        vpcId: vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: "arn:aws:logs:us-east-1:123456789012:log-group:flow",
        iamRoleArn: "arn:aws:iam::123456789012:role/flow",
      });
    }));

  it("a subnet that hands out public IPs is reported (advisory)", async () => {
    const v = await violationsOf(
      "ec2-subnet-no-auto-public-ip",
      () =>
        new aws.ec2.Subnet("public", { vpcId: "vpc-1", cidrBlock: "10.0.0.0/24", mapPublicIpOnLaunch: true }),
    );
    expect(v.map((x) => [x.level, x.message])).to.deep.equal([["advisory", "mapPublicIpOnLaunch is true"]]);
  });
  it("a subnet without automatic public IPs passes", () =>
    quiet(
      "ec2-subnet-no-auto-public-ip",
      () => new aws.ec2.Subnet("public", { vpcId: "vpc-1", cidrBlock: "10.0.0.0/24" }),
    ));
});

const IRSA_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: {
        Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X",
      },
      Action: "sts:AssumeRoleWithWebIdentity",
    },
  ],
});

describe("policy pack: IAM and KMS", () => {
  it("a policy allowing '*:*' or '*' on '*' is reported", async () => {
    await reported(
      "iam-no-full-admin-statements",
      () =>
        new aws.iam.Policy("admin", {
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "*:*", Resource: "*" }],
          }),
        }),
    );
    await reported(
      "iam-no-full-admin-statements",
      () =>
        new aws.iam.RolePolicy("admin", {
          role: "r",
          policy: JSON.stringify({
            Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "*"], Resource: ["*"] }],
          }),
        }),
    );
  });
  it("scoped statements pass", () =>
    quiet(
      "iam-no-full-admin-statements",
      () =>
        new aws.iam.Policy("reader", {
          policy: JSON.stringify({
            Statement: [
              { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::datavis-notebooks/*" },
            ],
          }),
        }),
    ));

  it("a workload role with an inline service wildcard or AdministratorAccess is reported", async () => {
    const msgs = await reported("iam-workload-roles-least-privilege", () => {
      const role = new aws.iam.Role("notebooks", { assumeRolePolicy: IRSA_TRUST });
      new aws.iam.RolePolicy("notebooks", {
        role: role.id,
        policy: JSON.stringify({
          Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/*" }],
        }),
      });
      new aws.iam.RolePolicyAttachment("notebooks-admin", {
        role: role.name,
        policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      });
    });
    expect(msgs).to.have.lengthOf(2);
    expect(msgs.join("\n"))
      .to.match(/allows s3:\*/)
      .and.match(/AdministratorAccess/);
  });
  it("a workload role with a customer managed policy of this stack allowing 'iam:*' is reported", async () => {
    const msgs = await reported("iam-workload-roles-least-privilege", () => {
      const role = new aws.iam.Role("spark", { assumeRolePolicy: IRSA_TRUST });
      const policy = new aws.iam.Policy("spark", {
        policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["iam:*"], Resource: "*" }] }),
      });
      new aws.iam.RolePolicyAttachment("spark", { role: role.name, policyArn: policy.arn });
    });
    expect(msgs).to.deep.equal(["workload role spark: attached policy spark allows iam:*"]);
  });
  it("a workload role with scoped actions passes; a non-workload role is not judged by this rule", () =>
    quiet("iam-workload-roles-least-privilege", () => {
      const role = new aws.iam.Role("notebooks", { assumeRolePolicy: IRSA_TRUST });
      new aws.iam.RolePolicy("notebooks", {
        role: role.id,
        policy: JSON.stringify({
          Statement: [
            { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::b/*" },
          ],
        }),
      });
      const ci = new aws.iam.Role("ci", {
        assumeRolePolicy: JSON.stringify({
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::123456789012:root" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      });
      new aws.iam.RolePolicyAttachment("ci-admin", {
        role: ci.name,
        policyArn: "arn:aws:iam::aws:policy/PowerUserAccess",
      });
    }));

  it("a KMS key without rotation is reported", () =>
    reported("kms-key-rotation", () => new aws.kms.Key("k", { enableKeyRotation: false })));
  it("a rotating key passes, and asymmetric keys (which cannot rotate) are not judged", () =>
    quiet("kms-key-rotation", () => {
      new aws.kms.Key("k", { enableKeyRotation: true });
      new aws.kms.Key("signing", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" });
    }));
});

type ContainerArgs = k8s.types.input.core.v1.Container;

const GOOD_CONTAINER: ContainerArgs = {
  name: "app",
  image: "docker.io/library/postgres:17.6-alpine",
  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  securityContext: { runAsNonRoot: true, runAsUser: 70, allowPrivilegeEscalation: false, privileged: false },
};

function deployment(
  container: Partial<ContainerArgs> = {},
  pod: Partial<k8s.types.input.core.v1.PodSpec> = {},
  namespace = "platform-jobs",
) {
  return new k8s.apps.v1.Deployment("app", {
    metadata: { namespace },
    spec: {
      selector: { matchLabels: { app: "app" } },
      template: {
        metadata: { labels: { app: "app" } },
        spec: { containers: [{ ...GOOD_CONTAINER, ...container }], ...pod },
      },
    },
  });
}

function release(values: Record<string, unknown>, args: Partial<k8s.helm.v3.ReleaseArgs> = {}) {
  return new k8s.helm.v3.Release("rel", {
    chart: "jupyterhub",
    version: "4.4.0",
    repositoryOpts: { repo: "https://hub.jupyter.org/helm-chart/" },
    namespace: "jupyterhub",
    values,
    ...args,
  });
}

const SIDECAR = {
  name: "sidecar",
  image: "docker.io/library/postgres:17.6-alpine",
  resources: GOOD_CONTAINER.resources,
  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
};

describe("policy pack: Kubernetes workloads", () => {
  it("a container without limits is reported, in a workload and in a release's extra containers", async () => {
    const msgs = await reported("k8s-container-requests-and-limits", () =>
      deployment({ resources: { requests: { cpu: "50m", memory: "64Mi" } } }),
    );
    expect(msgs).to.deep.equal(["container app has no limits.cpu, limits.memory"]);
    const rel = await reported("k8s-container-requests-and-limits", () =>
      release({ hub: { extraContainers: [{ ...SIDECAR, resources: undefined }] } }),
    );
    expect(rel[0]).to.match(/values\.hub\.extraContainers\[0\] \(container sidecar\) has no requests\.cpu/);
  });
  it("containers with CPU and memory requests and limits pass", async () => {
    await quiet("k8s-container-requests-and-limits", () => deployment());
    await quiet("k8s-container-requests-and-limits", () => release({ hub: { extraContainers: [SIDECAR] } }));
  });

  it("a container that may run as root is reported", async () => {
    await reported("k8s-run-as-non-root", () =>
      deployment({ securityContext: { allowPrivilegeEscalation: false } }),
    );
    await reported("k8s-run-as-non-root", () => deployment({ securityContext: { runAsUser: 0 } }));
    await reported("k8s-run-as-non-root", () =>
      release({ singleuser: { uid: 1000, containerSecurityContext: { runAsUser: 0 } } }),
    );
  });
  it("runAsNonRoot on the container, or a non-zero user on the pod, passes", async () => {
    await quiet("k8s-run-as-non-root", () => deployment());
    await quiet("k8s-run-as-non-root", () =>
      deployment(
        { securityContext: { allowPrivilegeEscalation: false } },
        { securityContext: { runAsUser: 1000 } },
      ),
    );
  });

  it("a privileged container is reported", async () => {
    await reported("k8s-no-privileged-containers", () =>
      deployment({ securityContext: { ...GOOD_CONTAINER.securityContext, privileged: true } }),
    );
    await reported("k8s-no-privileged-containers", () =>
      release({ hub: { containerSecurityContext: { privileged: true } } }),
    );
  });
  it("unprivileged containers pass", () => quiet("k8s-no-privileged-containers", () => deployment()));

  it("a container that may escalate privileges is reported", () =>
    reported("k8s-no-privilege-escalation", () => deployment({ securityContext: { runAsNonRoot: true } })));
  it("allowPrivilegeEscalation: false passes", () =>
    quiet("k8s-no-privilege-escalation", () => deployment()));

  it("hostNetwork, hostPID or hostIPC is reported, in a pod spec or release values", async () => {
    const msgs = await reported("k8s-no-host-namespaces", () =>
      deployment({}, { hostNetwork: true, hostPID: true }),
    );
    expect(msgs[0]).to.equal("pod spec sets hostNetwork: true, hostPID: true");
    await reported("k8s-no-host-namespaces", () => release({ proxy: { chp: { hostNetwork: true } } }));
  });
  it("pods in their own namespaces pass", async () => {
    await quiet("k8s-no-host-namespaces", () => deployment({}, { hostNetwork: false }));
    await quiet("k8s-no-host-namespaces", () => release({ proxy: { chp: { hostNetwork: false } } }));
  });

  it("a hostPath volume is reported", async () => {
    await reported("k8s-no-hostpath-volumes", () =>
      deployment({}, { volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }] }),
    );
    await reported("k8s-no-hostpath-volumes", () =>
      release({ singleuser: { storage: { extraVolumes: [{ name: "h", hostPath: { path: "/etc" } }] } } }),
    );
  });
  it("emptyDir and PVC volumes pass", () =>
    quiet("k8s-no-hostpath-volumes", () =>
      deployment(
        {},
        {
          volumes: [
            { name: "tmp", emptyDir: {} },
            { name: "data", persistentVolumeClaim: { claimName: "d" } },
          ],
        },
      ),
    ));

  it("an image without a tag, or tagged latest, is reported", async () => {
    const msgs = await reported("k8s-image-tag-pinned", () =>
      deployment({ image: "docker.io/apache/spark" }),
    );
    expect(msgs[0]).to.match(/has no tag/);
    await reported("k8s-image-tag-pinned", () => deployment({ image: "apache/spark:latest" }));
    await reported("k8s-image-tag-pinned", () =>
      release({ singleuser: { image: { name: "quay.io/jupyter/scipy-notebook", tag: "latest" } } }),
    );
  });
  it("tagged or digest-pinned images pass; a chart's own default tag is not judged", async () => {
    await quiet("k8s-image-tag-pinned", () => deployment({ image: "apache/spark@sha256:" + "0".repeat(64) }));
    await quiet("k8s-image-tag-pinned", () =>
      release({
        singleuser: { image: { name: "ghcr.io/datavis-platform/singleuser", tag: "2025.12.31-spark4.0.4" } },
        hub: { image: { name: "quay.io/jupyterhub/k8s-hub" } },
      }),
    );
  });

  it("a workload in the default namespace is reported (advisory)", async () => {
    const v = await violationsOf("k8s-no-default-namespace", () => deployment({}, {}, "default"));
    expect(v.map((x) => x.level)).to.deep.equal(["advisory"]);
  });
  it("a workload in its own namespace, or in its provider's namespace, passes", async () => {
    await quiet("k8s-no-default-namespace", () => deployment());
    await quiet("k8s-no-default-namespace", () => {
      const provider = new k8s.Provider("apps", { kubeconfig: "{}", namespace: "apps" });
      new k8s.core.v1.ConfigMap("settings", { data: {} }, { provider });
      new k8s.batch.v1.Job(
        "job",
        { spec: { template: { spec: { restartPolicy: "Never", containers: [GOOD_CONTAINER] } } } },
        { provider },
      );
    });
  });
});

/** A tenant namespace with the pieces the tenant rules ask for; `omit` drops one. */
function tenant(omit: "quota" | "deny" | "none" = "none", denyEgress = true) {
  const ns = new k8s.core.v1.Namespace("tenant-a", {
    metadata: { name: "tenant-a", labels: { "datavis.io/tenant": "a" } },
  });
  if (omit !== "quota") {
    new k8s.core.v1.ResourceQuota("tenant-a", {
      metadata: { name: "quota", namespace: ns.metadata.name },
      spec: { hard: { "requests.cpu": "8", "requests.memory": "32Gi" } },
    });
  }
  if (omit !== "deny") {
    new k8s.networking.v1.NetworkPolicy("tenant-a-deny", {
      metadata: { name: "default-deny", namespace: ns.metadata.name },
      spec: { podSelector: {}, policyTypes: denyEgress ? ["Ingress", "Egress"] : ["Ingress"] },
    });
  }
  new k8s.networking.v1.NetworkPolicy("tenant-a-same-ns", {
    metadata: { name: "allow-same-namespace", namespace: ns.metadata.name },
    spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] },
  });
}

describe("policy pack: tenants", () => {
  it("a tenant namespace without a ResourceQuota is reported", async () => {
    const msgs = await reported("k8s-tenant-resource-quota", () => tenant("quota"));
    expect(msgs).to.deep.equal(["tenant namespace tenant-a has no ResourceQuota"]);
  });
  it("a tenant namespace with a quota passes; platform namespaces are not tenants", () =>
    quiet("k8s-tenant-resource-quota", () => {
      tenant();
      new k8s.core.v1.Namespace("monitoring", { metadata: { name: "monitoring" } });
    }));

  it("a tenant namespace without a default-deny policy is reported (an allow policy does not count)", async () => {
    await reported("k8s-tenant-default-deny-network-policy", () => tenant("deny"));
    await reported("k8s-tenant-default-deny-network-policy", () => tenant("none", false));
  });
  it("a tenant namespace denying all ingress and egress by default passes", () =>
    quiet("k8s-tenant-default-deny-network-policy", () => tenant()));
});

describe("policy pack: Helm and upstreams", () => {
  it("a release without a chart version, or with a range, is reported", async () => {
    await reported("helm-chart-version-pinned", () => release({}, { version: undefined }));
    const msgs = await reported("helm-chart-version-pinned", () => release({}, { version: "^4.0.0" }));
    expect(msgs[0]).to.match(/"\^4\.0\.0" is not exact/);
  });
  it("an exact chart version passes", () => quiet("helm-chart-version-pinned", () => release({})));

  it("ingress-nginx, the Kubernetes Dashboard, MinIO and Bitnami charts are reported", async () => {
    await reported("no-retired-upstream", () =>
      release(
        {},
        {
          chart: "ingress-nginx",
          version: "4.12.0",
          repositoryOpts: { repo: "https://kubernetes.github.io/ingress-nginx" },
        },
      ),
    );
    await reported("no-retired-upstream", () =>
      release(
        {},
        {
          chart: "kubernetes-dashboard",
          version: "7.10.0",
          repositoryOpts: { repo: "https://kubernetes.github.io/dashboard/" },
        },
      ),
    );
    await reported("no-retired-upstream", () =>
      release({}, { chart: "minio", version: "5.4.0", repositoryOpts: { repo: "https://charts.min.io/" } }),
    );
    await reported("no-retired-upstream", () =>
      release(
        {},
        {
          chart: "postgresql",
          version: "16.0.0",
          repositoryOpts: { repo: "https://charts.bitnami.com/bitnami" },
        },
      ),
    );
  });
  it("retired images are reported inside release values and pod specs", async () => {
    const msgs = await reported("no-retired-upstream", () =>
      release({
        hub: { db: { image: { registry: "docker.io", repository: "bitnami/postgresql", tag: "16.4.0" } } },
      }),
    );
    expect(msgs[0]).to.match(/values\.hub\.db\.image: image docker\.io\/bitnami\/postgresql:16\.4\.0/);
    await reported("no-retired-upstream", () =>
      deployment({ image: "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z" }),
    );
    await reported("no-retired-upstream", () =>
      deployment({ image: "registry.k8s.io/ingress-nginx/controller:v1.12.1" }),
    );
  });
  it("Traefik, Headlamp and SeaweedFS pass", async () => {
    await quiet("no-retired-upstream", () =>
      release(
        { image: { registry: "docker.io", repository: "traefik", tag: "v3.6.1" } },
        {
          chart: "traefik",
          version: "41.3.0",
          repositoryOpts: { repo: "https://traefik.github.io/charts" },
        },
      ),
    );
    await quiet("no-retired-upstream", () => deployment({ image: "docker.io/chrislusf/seaweedfs:4.44" }));
  });
});

describe("policy pack: edge images on arm64", () => {
  const edge: FixtureStack = { target: "edge" };

  it("on edge an image that is not on the arm64 list is reported, in a workload or release values", async () => {
    const msgs = await reported(
      "edge-images-arm64",
      () => deployment({ image: "docker.io/someone/amd64-only:1.0" }),
      edge,
    );
    expect(msgs[0]).to.match(/someone\/amd64-only:1\.0 is not on the arm64 list/);
    await reported(
      "edge-images-arm64",
      () =>
        release({
          singleuser: { image: { name: "quay.io/jupyter/datascience-notebook", tag: "2024-01-01" } },
        }),
      edge,
    );
  });
  it("on edge a chart version that is not on the arm64 list is reported", async () => {
    const msgs = await reported("edge-images-arm64", () => release({}, { version: "3.3.8" }), edge);
    expect(msgs).to.deep.equal([
      "chart jupyterhub@3.3.8 is not on the arm64 list (policies/arm64-images.ts)",
    ]);
  });
  it("on edge listed images pass, also from a registry mirror and from a local chart archive", () =>
    quiet(
      "edge-images-arm64",
      () => {
        deployment({ image: "mirror.lab.local:5000/library/postgres:17.6-alpine" });
        release(
          {
            singleuser: {
              image: { name: "ghcr.io/datavis-platform/singleuser", tag: "2025.12.31-spark4.0.4" },
            },
          },
          { chart: "/srv/bundle/charts/jupyterhub-4.4.0.tgz", repositoryOpts: undefined },
        );
      },
      edge,
    ));
  it("on AWS the arm64 list does not apply", () =>
    quiet("edge-images-arm64", () => deployment({ image: "docker.io/someone/amd64-only:1.0" }), {
      target: "aws",
    }));
});

describe("policy pack: production protection", () => {
  it("an unprotected database, bucket or key in production is reported", async () => {
    const msgs = await reported(
      "production-stateful-resources-protected",
      () => {
        postgres();
        new aws.s3.Bucket("notebooks", {}, { retainOnDelete: true });
        new aws.kms.Key("k", { enableKeyRotation: true });
      },
      { environment: "prod" },
    );
    expect(msgs).to.have.lengthOf(3);
    expect(msgs.join("\n"))
      .to.match(/Instance db is not protected/)
      .and.match(/Bucket notebooks/)
      .and.match(/Key k/);
  });
  it("protected stateful resources pass in production; dev may leave them unprotected", async () => {
    await quiet(
      "production-stateful-resources-protected",
      () => {
        postgres({}, { protect: true });
        new aws.s3.Bucket("notebooks", {}, { protect: true, retainOnDelete: true });
        new k8s.core.v1.PersistentVolumeClaim(
          "data",
          {
            metadata: { namespace: "db" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
          { protect: true },
        );
        new k8s.core.v1.ConfigMap("not-stateful", { metadata: { namespace: "db" }, data: {} });
      },
      { environment: "prod" },
    );
    await quiet("production-stateful-resources-protected", () => postgres());
  });
});

describe("policy pack: shapes only the engine produces", () => {
  it("an eks:index:ManagedNodeGroup without enableIMDSv2 is reported, with it passes", async () => {
    const run = (enableIMDSv2: boolean) =>
      syntheticRun([
        {
          type: "eks:index:ManagedNodeGroup",
          name: "ng",
          custom: false,
          remote: true,
          inputs: { enableIMDSv2 },
        },
      ]);
    const imds = [rule("eks-nodes-imdsv2")];
    expect((await evaluatePolicies(run(false), imds)).map((v) => v.message)).to.deep.equal([
      "enableIMDSv2 is not true",
    ]);
    expect(await evaluatePolicies(run(true), imds)).to.deep.equal([]);
  });
});
