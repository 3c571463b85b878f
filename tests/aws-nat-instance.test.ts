import { expect } from "chai";
import { configError, ofType, one, runStack } from "./harness";

const ASG = "aws:autoscaling/group:Group";
const ENI = "aws:ec2/networkInterface:NetworkInterface";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const NAT_GATEWAY = "aws:ec2/natGateway:NatGateway";

/** The NAT instance's resources: those under the NatInstance component. */
function natParts(run: Awaited<ReturnType<typeof runStack>>) {
  const component = one(run, "datavis:aws:NatInstance");
  const under = run.resources.filter((r) => r.parentUrn === component.urn);
  const of = (type: string) => {
    const found = under.filter((r) => r.type === type);
    expect(found, type).to.have.lengthOf(1);
    return found[0];
  };
  return { component, of, under };
}

describe("aws NAT instance (natMode: instance, dev's default)", () => {
  it("dev's NAT is one instance in an Auto Scaling group of one, in a public subnet, and no NAT gateway", async () => {
    const run = await runStack("dev");
    expect(ofType(run, NAT_GATEWAY)).to.have.lengthOf(0);
    const { of } = natParts(run);
    const asg = of(ASG);
    expect([asg.inputs.minSize, asg.inputs.maxSize, asg.inputs.desiredCapacity]).to.deep.equal([1, 1, 1]);
    // The first public subnet's ID, as its route table association names it.
    const publicSubnet = one(run, "aws:ec2/routeTableAssociation:RouteTableAssociation", "network-public-0")
      .inputs.subnetId;
    expect(publicSubnet).to.match(/^subnet-/);
    expect(asg.inputs.vpcZoneIdentifiers).to.deep.equal([publicSubnet]);
    // The ENI and the group sit in the same subnet: an ENI cannot leave its zone.
    expect(of(ENI).inputs.subnetId).to.equal(publicSubnet);
  });

  it("the instance boots on a fixed ENI with source/destination checking off, and every private route goes to it", async () => {
    const run = await runStack("dev");
    const { of } = natParts(run);
    const eni = of(ENI);
    expect(eni.inputs.sourceDestCheck).to.equal(false);
    // The policy pack lets exactly this interface forward (ec2-source-dest-check).
    expect(eni.inputs.tags["datavis:role"]).to.equal("nat");
    const nic = of(LT).inputs.networkInterfaces;
    expect(nic).to.have.lengthOf(1);
    expect(nic[0]).to.deep.include({ deviceIndex: 0, deleteOnTermination: "false" });
    const eniId = nic[0].networkInterfaceId;
    expect(eniId).to.match(/^eni-/);
    const privateRoutes = ofType(run, "aws:ec2/routeTable:RouteTable").filter((r) =>
      r.name.includes("-private-"),
    );
    expect(privateRoutes).to.have.lengthOf(3);
    for (const rt of privateRoutes)
      expect(rt.inputs.routes, rt.name).to.deep.equal([
        { cidrBlock: "0.0.0.0/0", networkInterfaceId: eniId },
      ]);
    // Its Elastic IP is on the ENI, so it stays with every replacement instance.
    expect(of("aws:ec2/eip:Eip").inputs.networkInterface).to.equal(eniId);
  });

  it("the instance requires IMDSv2, has no key pair and is reached only through Session Manager", async () => {
    const { of } = natParts(await runStack("dev"));
    const lt = of(LT);
    expect(lt.inputs.metadataOptions).to.deep.include({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(lt.inputs.keyName).to.equal(undefined);
    expect(lt.inputs.blockDeviceMappings[0].ebs).to.deep.include({ encrypted: "true", volumeType: "gp3" });
    expect(of("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.policyArn).to.equal(
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    );
    // The instance profile of that role is the instance's only identity.
    const profile = of("aws:iam/instanceProfile:InstanceProfile");
    expect(profile.inputs.role).to.equal(of("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs.role);
    expect(lt.inputs).to.have.property("iamInstanceProfile");
  });

  it("its security group admits only the VPC range and may send anywhere", async () => {
    const { under } = natParts(await runStack("dev"));
    const sg = under.find(
      (r) => r.name === "network-nat" && r.type === "aws:ec2/securityGroup:SecurityGroup",
    )!;
    expect(sg.inputs.ingress.map((i: any) => i.cidrBlocks)).to.deep.equal([["10.0.0.0/16"]]);
    expect(sg.inputs.egress.map((i: any) => [i.protocol, i.cidrBlocks])).to.deep.equal([
      ["-1", ["0.0.0.0/0"]],
    ]);
  });

  it("boots the Amazon Linux 2023 AMI of its architecture (SSM parameter) with forwarding and masquerade for the VPC", async () => {
    const run = await runStack("dev");
    const { of } = natParts(run);
    const lt = of(LT);
    expect(lt.inputs.instanceType).to.equal("t4g.nano");
    expect(lt.inputs.imageId).to.match(/^ami-/);
    const script = Buffer.from(lt.inputs.userData, "base64").toString("utf8");
    expect(script).to.contain("net.ipv4.ip_forward = 1");
    expect(script).to.match(/iptables -t nat -A POSTROUTING -o "\$iface" -s 10\.0\.0\.0\/16 -j MASQUERADE/);
    expect(script).to.contain("iptables -A FORWARD -j DROP");
    const { al2023AmiParameter } = await import("../components/aws/nat-instance");
    expect(al2023AmiParameter("t4g.nano")).to.equal(
      "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
    );
    expect(al2023AmiParameter("t3.nano")).to.match(/x86_64$/);
  });

  it("prod keeps one NAT gateway per zone and no NAT instance", async () => {
    const run = await runStack("prod");
    expect(ofType(run, NAT_GATEWAY)).to.have.lengthOf(3);
    expect(ofType(run, "datavis:aws:NatInstance")).to.have.lengthOf(0);
    expect(ofType(run, ASG)).to.have.lengthOf(0);
  });

  it("prod refuses natMode instance, naming the key and why", async () => {
    const e = await configError("prod", { natMode: "instance" });
    expect(e.key).to.equal("datavis:natMode");
    expect(e.message).to.match(/one zone.*prod uses gateway/);
  });

  it("natMode instance with natGateways perAz is refused, naming natGateways", async () => {
    const e = await configError("dev", { natGateways: "perAz" });
    expect(e.key).to.equal("datavis:natGateways");
    expect(e.message).to.contain("natMode gateway");
  });
});
