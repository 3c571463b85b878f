/**
 * A small VPC in network namespaces of the real kernel, to run the NAT instance's own scripts
 * (components/aws/nat-scripts.ts) the way EC2 runs them:
 *
 *   pub (198.51.100.7, the internet) -- rtr (the VPC router and the internet gateway) -- nat (10.0.0.10,
 *   public subnet, Elastic IP 203.0.113.10) and node1 / node2 (10.0.1.21 / .22, private subnet)
 *
 * rtr does what AWS does around the instance: the internet gateway's one-to-one translation of the Elastic
 * IP to the instance's private address, the private route table's default route to the NAT instance's
 * interface, and no path from the internet to a private address. The NAT instance has one interface, as
 * an EC2 instance with one ENI does. Each namespace is created and deleted by the test (root needed).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ADDR = {
  nat: "10.0.0.10",
  elasticIp: "203.0.113.10",
  node1: "10.0.1.21",
  node2: "10.0.1.22",
  pub: "198.51.100.7",
  vpc: "10.0.0.0/16",
};

/** A test HTTP server: answers every request with its name and the client address it sees. */
const SERVER = `
import http.server, sys
name, port = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{name} {self.client_address[0]}".encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("0.0.0.0", port), H).serve_forever()
`;

export class VpcSim {
  readonly prefix = `dv${process.pid % 100000}`;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "datavis-vpc-"));
  private servers: ChildProcess[] = [];

  ns(name: string): string {
    return `${this.prefix}-${name}`;
  }

  /** Runs a command in a namespace; returns stdout (throws on a non-zero exit). */
  exec(name: string, cmd: string[], env: NodeJS.ProcessEnv = {}): string {
    return execFileSync("ip", ["netns", "exec", this.ns(name), ...cmd], {
      encoding: "utf8",
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  private sh(...cmds: string[][]): void {
    for (const c of cmds) execFileSync(c[0], c.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  }

  /** Wires the namespaces and AWS's side of the network (router, internet gateway, route tables). */
  up(): void {
    for (const n of ["rtr", "nat", "node1", "node2", "pub"]) this.sh(["ip", "netns", "add", this.ns(n)]);
    const link = (a: string, aIf: string, b: string, bIf: string) => {
      this.sh(
        ["ip", "link", "add", `${this.prefix}x`, "type", "veth", "peer", "name", `${this.prefix}y`],
        ["ip", "link", "set", `${this.prefix}x`, "netns", this.ns(a)],
        ["ip", "link", "set", `${this.prefix}y`, "netns", this.ns(b)],
      );
      this.exec(a, ["ip", "link", "set", `${this.prefix}x`, "name", aIf]);
      this.exec(b, ["ip", "link", "set", `${this.prefix}y`, "name", bIf]);
    };
    link("rtr", "r-nat", "nat", "eth0");
    link("rtr", "r-n1", "node1", "eth0");
    link("rtr", "r-n2", "node2", "eth0");
    link("rtr", "r-pub", "pub", "eth0");
    const r = (cmd: string) => this.exec("rtr", cmd.split(" "));
    r("ip link add br-priv type bridge");
    for (const i of ["r-nat", "r-n1", "r-n2", "r-pub", "br-priv", "lo"]) r(`ip link set ${i} up`);
    r("ip link set r-n1 master br-priv");
    r("ip link set r-n2 master br-priv");
    r("ip addr add 10.0.0.1/24 dev r-nat");
    r("ip addr add 10.0.1.1/24 dev br-priv");
    r("ip addr add 198.51.100.1/24 dev r-pub");
    r("sysctl -q -w net.ipv4.ip_forward=1");
    r("sysctl -q -w net.ipv4.conf.all.rp_filter=0");
    // The private subnets' route table: everything outside the VPC to the NAT instance's interface.
    r("ip route add 10.0.0.0/24 dev r-nat table 100");
    r("ip route add 10.0.1.0/24 dev br-priv table 100");
    r(`ip route add default via ${ADDR.nat} dev r-nat table 100`);
    r("ip rule add from 10.0.1.0/24 lookup 100 pref 100");
    // The internet gateway: the Elastic IP <-> the instance's private address, and no way in to the
    // private subnet.
    r(`iptables -t nat -A PREROUTING -i r-pub -d ${ADDR.elasticIp} -j DNAT --to-destination ${ADDR.nat}`);
    r(`iptables -t nat -A POSTROUTING -o r-pub -s ${ADDR.nat} -j SNAT --to-source ${ADDR.elasticIp}`);
    r("iptables -A FORWARD -i r-pub -d 10.0.1.0/24 -m conntrack --ctstate NEW -j DROP");
    const host = (n: string, addr: string, gw: string) => {
      this.exec(n, ["ip", "link", "set", "lo", "up"]);
      this.exec(n, ["ip", "link", "set", "eth0", "up"]);
      this.exec(n, ["ip", "addr", "add", addr, "dev", "eth0"]);
      this.exec(n, ["ip", "route", "add", "default", "via", gw, "dev", "eth0"]);
    };
    host("nat", `${ADDR.nat}/24`, "10.0.0.1");
    host("node1", `${ADDR.node1}/24`, "10.0.1.1");
    host("node2", `${ADDR.node2}/24`, "10.0.1.1");
    host("pub", `${ADDR.pub}/24`, "198.51.100.1");
    // What the boot script's sysctl line does on the instance.
    this.exec("nat", ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    this.exec("nat", ["sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=0"]);
  }

  /** Starts the test HTTP server `name` on `port` in a namespace. */
  serve(where: string, name: string, port: number): void {
    const script = path.join(this.dir, "server.py");
    fs.writeFileSync(script, SERVER);
    const p = spawn("ip", ["netns", "exec", this.ns(where), "python3", script, name, String(port)], {
      stdio: "ignore",
    });
    this.servers.push(p);
  }

  /** GET http://host:port/ from a namespace: the body, or `unreachable` when no answer comes in 2 s. */
  get(from: string, host: string, port: number): string {
    try {
      return this.exec(from, ["curl", "-s", "--max-time", "2", `http://${host}:${port}/`]).trim();
    } catch {
      return "unreachable";
    }
  }

  /** Waits until every server answers on its own namespace's loopback (they start in the background). */
  waitForServers(checks: [string, number][]): void {
    for (const [where, port] of checks) {
      for (let i = 0; i < 100; i++) {
        if (this.get(where, "127.0.0.1", port) !== "unreachable") break;
        execFileSync("sleep", ["0.1"]);
      }
    }
  }

  down(): void {
    for (const p of this.servers) p.kill("SIGKILL");
    for (const n of ["rtr", "nat", "node1", "node2", "pub"]) {
      try {
        execFileSync("ip", ["netns", "pids", this.ns(n)], { encoding: "utf8" })
          .split("\n")
          .filter(Boolean)
          .forEach((pid) => {
            try {
              process.kill(Number(pid), "SIGKILL");
            } catch {
              /* gone already */
            }
          });
        execFileSync("ip", ["netns", "del", this.ns(n)], { stdio: "ignore" });
      } catch {
        /* not created */
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
