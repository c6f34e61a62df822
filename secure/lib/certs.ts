import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// A throw-away certificate authority for one run: the CA that signs the servers' certificate, a
// second, unrelated CA (the "wrong CA" a client may be given), the server certificate and a client
// certificate for Redis's mutual TLS. Made with the openssl command line, as an operator would.

export interface Certificates {
  dir: string;
  ca: string;
  wrongCa: string;
  /** Server certificate and key: subjectAltName DNS:localhost only, so 127.0.0.1 is a wrong host. */
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const proc = Bun.spawn(["openssl", ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`openssl ${args[0]} failed (${code}): ${err}`);
}

async function signed(dir: string, name: string, cn: string, ext: string): Promise<void> {
  await openssl(dir, [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${cn}`,
  ]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "825",
    "-extfile",
    `${name}.ext`,
  ]);
  chmodSync(join(dir, `${name}.key`), 0o600);
}

export async function makeCertificates(dir: string): Promise<Certificates> {
  for (const ca of ["ca", "wrong-ca"]) {
    await openssl(dir, [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${ca}.key`,
      "-out",
      `${ca}.crt`,
      "-days",
      "30",
      "-subj",
      `/CN=courtflow-test-${ca}`,
    ]);
  }
  await signed(
    dir,
    "server",
    "localhost",
    "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
  );
  await signed(
    dir,
    "client",
    "courtflow-client",
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
  );
  const f = (n: string) => join(dir, n);
  return {
    dir,
    ca: f("ca.crt"),
    wrongCa: f("wrong-ca.crt"),
    serverCert: f("server.crt"),
    serverKey: f("server.key"),
    clientCert: f("client.crt"),
    clientKey: f("client.key"),
  };
}
