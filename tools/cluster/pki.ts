/**
 * The throwaway control plane's credentials: a CA, the API server's serving certificate, client
 * certificates for the admin and the controller manager and scheduler, the service-account signing key
 * pair, and a kubeconfig per client. Made with the openssl command in the control plane's folder.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

function openssl(cwd: string, args: string[]): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr || r.error}`);
}

/** Throwaway PKI: a CA, the API server's serving certificate, and client certificates (CN, O). */
export function makePki(dir: string, clients: Record<string, { cn: string; o?: string }>): void {
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=datavis-test-ca",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  ]);
  const sign = (name: string, subj: string, ext: string): void => {
    openssl(dir, [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      subj,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
    ]);
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    ]);
  };
  sign(
    "apiserver",
    "/CN=kube-apiserver",
    "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n" +
      "extendedKeyUsage=serverAuth\n",
  );
  for (const [name, c] of Object.entries(clients))
    sign(name, `${c.o ? `/O=${c.o}` : ""}/CN=${c.cn}`, "extendedKeyUsage=clientAuth\n");
  // Service account token signing key pair.
  openssl(dir, ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key"]);
  openssl(dir, ["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
}

export function kubeconfig(dir: string, server: string, user: string): string {
  const file = path.join(dir, `${user}.kubeconfig`);
  const abs = (f: string): string => path.join(dir, f);
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "test", cluster: { server, "certificate-authority": abs("ca.crt") } }],
      users: [
        { name: user, user: { "client-certificate": abs(`${user}.crt`), "client-key": abs(`${user}.key`) } },
      ],
      contexts: [{ name: "test", context: { cluster: "test", user } }],
      "current-context": "test",
    }),
  );
  return file;
}
