/**
 * IPv4 CIDR arithmetic for the VPC's subnet plan. Pure functions: config validation calls them before any
 * resource exists, and the Vpc component calls them again to lay out the subnets.
 */

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns an error string instead of throwing so callers can name their config key. */
export function parseCidr(text: string): Cidr | string {
  const m = CIDR_RE.exec(text.trim());
  if (!m) return `"${text}" is not an IPv4 CIDR of the form a.b.c.d/n`;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255)) return `"${text}" has an octet above 255`;
  if (prefix > 32) return `"${text}" has a prefix length above 32`;
  const base = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((base & mask) >>> 0 !== base) {
    return `"${text}" has host bits set; the network address is ${formatCidr({ base: (base & mask) >>> 0, prefix })}`;
  }
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  const b = c.base;
  return `${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}/${c.prefix}`;
}

/** The `index`-th subnet of length `newPrefix` inside `parent`. */
export function subnet(parent: Cidr, newPrefix: number, index: number): Cidr {
  const size = 2 ** (32 - newPrefix);
  return { base: (parent.base + index * size) >>> 0, prefix: newPrefix };
}

export interface SubnetPlan {
  /** Node and pod subnets (the VPC CNI gives pods VPC addresses, so these get most of the space). */
  private: string[];
  /** Load balancers and NAT gateways. */
  public: string[];
  /** RDS only; no route to the internet. */
  database: string[];
}

/** Smallest VPC (largest prefix) that leaves each private subnet at least a /22 (1,019 usable addresses). */
export const MAX_VPC_PREFIX = 20;
/** AWS does not allow VPCs larger than /16. */
export const MIN_VPC_PREFIX = 16;

/**
 * Splits the VPC into four quarters: one private subnet per AZ in each of the first three, and the last
 * quarter into public subnets (a sixteenth of the VPC each) and database subnets (a sixty-fourth each).
 */
export function planSubnets(vpcCidr: string, azCount: number): SubnetPlan | string {
  const parsed = parseCidr(vpcCidr);
  if (typeof parsed === "string") return parsed;
  if (parsed.prefix < MIN_VPC_PREFIX) {
    return `"${vpcCidr}" is larger than AWS allows for a VPC (/16 at most)`;
  }
  if (parsed.prefix > MAX_VPC_PREFIX) {
    return (
      `"${vpcCidr}" is too small for ${azCount} AZs x (private, public, database) subnets: ` +
      `it needs a /${MAX_VPC_PREFIX} or larger, e.g. 10.0.0.0/16`
    );
  }
  const p = parsed.prefix;
  const lastQuarter = subnet(parsed, p + 2, 3);
  const azs = Array.from({ length: azCount }, (_, i) => i);
  return {
    private: azs.map((i) => formatCidr(subnet(parsed, p + 2, i))),
    public: azs.map((i) => formatCidr(subnet(lastQuarter, p + 4, i))),
    database: azs.map((i) => formatCidr(subnet(subnet(lastQuarter, p + 4, 3), p + 6, i))),
  };
}

/**
 * IPv4 ranges that can never be the source address the public EKS endpoint sees (IANA special-purpose
 * registry, RFC 6890): documentation examples, private and shared space (the endpoint sees your NAT's
 * public address, never these), loopback, link-local, multicast and reserved.
 */
export const NOT_PUBLIC_SOURCES: { cidr: string; what: string }[] = [
  { cidr: "0.0.0.0/8", what: "'this network' (RFC 791)" },
  { cidr: "10.0.0.0/8", what: "private space (RFC 1918)" },
  { cidr: "100.64.0.0/10", what: "carrier-grade NAT space (RFC 6598)" },
  { cidr: "127.0.0.0/8", what: "loopback" },
  { cidr: "169.254.0.0/16", what: "link-local" },
  { cidr: "172.16.0.0/12", what: "private space (RFC 1918)" },
  { cidr: "192.0.0.0/24", what: "IETF protocol assignments" },
  { cidr: "192.0.2.0/24", what: "a documentation range (RFC 5737 TEST-NET-1)" },
  { cidr: "192.168.0.0/16", what: "private space (RFC 1918)" },
  { cidr: "198.18.0.0/15", what: "benchmarking space (RFC 2544)" },
  { cidr: "198.51.100.0/24", what: "a documentation range (RFC 5737 TEST-NET-2)" },
  { cidr: "203.0.113.0/24", what: "a documentation range (RFC 5737 TEST-NET-3)" },
  { cidr: "224.0.0.0/4", what: "multicast" },
  { cidr: "240.0.0.0/4", what: "reserved" },
];

/** What a CIDR overlaps of NOT_PUBLIC_SOURCES (its first match), or undefined for a public range. */
export function notPublicSource(c: Cidr): string | undefined {
  const end = (x: Cidr) => x.base + 2 ** (32 - x.prefix) - 1;
  for (const r of NOT_PUBLIC_SOURCES) {
    const s = parseCidr(r.cidr) as Cidr;
    if (c.base <= end(s) && s.base <= end(c)) return `${r.cidr}, ${r.what}`;
  }
  return undefined;
}
