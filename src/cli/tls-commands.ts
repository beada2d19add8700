/** `facegate tls`: the client CA and server certificate, client CSRs and their signing (docs/tls.md). */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { dataDirFrom, positiveInt } from '../config.js';
import { createClientCa, createClientCsr, createServerCertificate, signClientCsr } from '../crypto/x509.js';
import { str, type CommandIo } from './server-commands.js';

// Renewing the client CA means re-signing every client's certificate, so it lives long;
// the server certificate stays within the 825 days Apple's TLS clients accept.
const CLIENT_CA_DAYS = 3650;
const SERVER_DAYS = 825;
const CLIENT_DAYS = 365;
const FILES = { clientCaCertificate: 'client-ca.crt', clientCaKey: 'client-ca.key', serverCertificate: 'server.crt', serverKey: 'server.key' };
const HOST_NAME = /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/i;
const USAGE =
  'usage: facegate tls init [--dir D] [--host name,...] [--days N] | tls sign <csr.pem> [--ca-dir D] [--days N] [--out FILE] | tls csr --cn NAME [--org O] [--out-key FILE] [--out-csr FILE]';

export function tlsCommands(io: CommandIo): Record<string, (args: string[]) => Promise<void>> {
  const tlsDir = (option: string) => resolve(str(io.opts[option]) ?? join(dataDirFrom(process.env), 'tls'));
  const days = (fallback: number) => positiveInt({ '--days': str(io.opts.days) }, '--days', fallback);

  const readText = async (path: string, what: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      return io.fail(`cannot read the ${what} ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };

  // Nothing is overwritten: a second init would orphan every certificate the first CA signed.
  const writeNewFiles = async (files: Array<{ path: string; content: string; secret?: boolean }>) => {
    const existing = files.filter((file) => existsSync(file.path)).map((file) => file.path);
    if (existing.length > 0) io.fail(`refusing to overwrite ${existing.join(', ')}: move it away or choose another path`);
    for (const file of files) await writeFile(file.path, file.content, { flag: 'wx', mode: file.secret ? 0o600 : 0o644 });
  };

  const actions: Record<string, (args: string[]) => Promise<void>> = {
    async init() {
      const dir = tlsDir('dir');
      const hosts = (str(io.opts.host) ?? 'localhost,127.0.0.1').split(',').map((host) => host.trim()).filter(Boolean);
      const badHost = hosts.find((host) => !isIP(host) && !HOST_NAME.test(host));
      if (badHost !== undefined) io.fail(`--host: "${badHost}" is not a host name or IP address`);
      const serverDays = days(SERVER_DAYS);
      const paths = Object.fromEntries(Object.entries(FILES).map(([role, name]) => [role, join(dir, name)])) as typeof FILES;
      const clientCa = createClientCa({ days: CLIENT_CA_DAYS });
      const server = createServerCertificate({ hosts, days: serverDays });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeNewFiles([
        { path: paths.clientCaCertificate, content: clientCa.certificatePem },
        { path: paths.clientCaKey, content: clientCa.privateKeyPem, secret: true },
        { path: paths.serverCertificate, content: server.certificatePem },
        { path: paths.serverKey, content: server.privateKeyPem, secret: true },
      ]);
      io.print({
        dir,
        clientCa: { certificate: paths.clientCaCertificate, privateKey: paths.clientCaKey, days: CLIENT_CA_DAYS },
        server: { certificate: paths.serverCertificate, privateKey: paths.serverKey, hosts, days: serverDays },
        env: { FACEGATE_TLS_CERT: paths.serverCertificate, FACEGATE_TLS_KEY: paths.serverKey, FACEGATE_TLS_CLIENT_CA: paths.clientCaCertificate },
      });
      process.stderr.write(`Set the env variables above and restart. Clients trust ${paths.serverCertificate}; sign their CSRs with "facegate tls sign <csr>". Keep ${paths.clientCaKey} offline if you can.\n`);
    },

    async sign([csrPath]) {
      if (!csrPath) io.fail(USAGE);
      const caDir = tlsDir('ca-dir');
      const ca = {
        certificatePem: await readText(join(caDir, FILES.clientCaCertificate), 'client CA certificate'),
        privateKeyPem: await readText(join(caDir, FILES.clientCaKey), 'client CA key'),
      };
      const signed = signClientCsr(await readText(csrPath, 'CSR'), ca, { days: days(CLIENT_DAYS) });
      const out = str(io.opts.out);
      if (out) await writeNewFiles([{ path: out, content: signed.certificatePem }]);
      io.print({ ...(out ? { out: resolve(out) } : { certificate: signed.certificatePem }), subject: signed.subject, serialNumber: signed.serialNumber, notAfter: signed.notAfter.toISOString() });
    },

    async csr() {
      const commonName = str(io.opts.cn) ?? io.fail('tls csr needs --cn NAME: who the certificate is for, e.g. your company or system');
      const keyPath = resolve(str(io.opts['out-key']) ?? 'client.key');
      const csrPath = resolve(str(io.opts['out-csr']) ?? 'client.csr');
      const organization = str(io.opts.org);
      const { csrPem, privateKeyPem } = createClientCsr({ commonName, organization });
      await writeNewFiles([
        { path: keyPath, content: privateKeyPem, secret: true },
        { path: csrPath, content: csrPem },
      ]);
      io.print({ privateKey: keyPath, csr: csrPath, subject: `CN=${commonName}${organization ? `, O=${organization}` : ''}` });
      process.stderr.write(`Send ${csrPath} to the Facegate operator; ${keyPath} stays with you.\n`);
    },
  };

  return {
    async tls([action, ...rest]) {
      const run = actions[action ?? ''] ?? io.fail(USAGE);
      await run(rest);
    },
  };
}
