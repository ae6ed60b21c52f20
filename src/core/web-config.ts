// The exporter's --web.config.file: the format of the Prometheus exporter-toolkit, which node_exporter and every
// official exporter read (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md), so
// an operator writes the same file for kleak as for them:
//
//   tls_server_config:
//     cert_file: server.crt          # paths relative to the file
//     key_file: server.key
//     client_auth_type: RequireAndVerifyClientCert   # NoClientCert (default), RequestClientCert, RequireAnyClientCert,
//                                                    # VerifyClientCertIfGiven, RequireAndVerifyClientCert
//     client_ca_file: clients-ca.crt
//     min_version: TLS12             # TLS10, TLS11, TLS12 (default), TLS13; max_version likewise
//   http_server_config:
//     headers: { Strict-Transport-Security: max-age=31536000 }
//   basic_auth_users:
//     prometheus: $2y$10$...        # bcrypt hashes (htpasswd -nBC 10 "" | tr -d ':\n')
//
// Unknown keys are an error, as in the toolkit: a misspelled key would otherwise leave the exporter open.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { dirname, resolve } from 'node:path';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';
import { InputError } from '../errors.js';

const clientAuthTypes = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
type ClientAuth = (typeof clientAuthTypes)[number];
const versions = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

export interface WebConfig {
  tls?: {
    cert: Buffer;
    key: Buffer;
    ca?: Buffer;
    clientAuth: ClientAuth;
    minVersion: (typeof versions)[keyof typeof versions];
    maxVersion?: (typeof versions)[keyof typeof versions];
  };
  /** user → bcrypt hash */
  users?: Map<string, string>;
  headers?: Record<string, string>;
  /** the files it was read from: the configuration and its certificates (watched for changes) */
  files?: string[];
}

function problem(file: string, what: string): InputError {
  return new InputError(`--web.config.file ${file}: ${what}.`, {
    hint: 'The format is the Prometheus exporter-toolkit web configuration (tls_server_config, http_server_config, basic_auth_users), as node_exporter reads it.',
  });
}

function only(file: string, where: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw problem(file, `${where} is not a mapping`);
  const unknown = Object.keys(value).filter((k) => !keys.includes(k));
  if (unknown.length) throw problem(file, `${where} has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${keys.join(', ')})`);
  return value as Record<string, unknown>;
}

export function readWebConfig(file: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InputError(`--web.config.file ${file} cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)}).`, {
      cause,
      hint: 'Give the path of a web configuration file kleak may read.',
    });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (cause) {
    throw problem(file, `it is not YAML (${(cause as Error).message.split('\n')[0]})`);
  }
  const top = only(file, 'the file', doc, ['tls_server_config', 'http_server_config', 'basic_auth_users']);
  const base = dirname(resolve(file));
  const files = [resolve(file)];
  const read = (key: string, path: unknown): Buffer => {
    if (typeof path !== 'string' || !path) throw problem(file, `tls_server_config.${key} is missing`);
    try {
      files.push(resolve(base, path));
      return readFileSync(resolve(base, path));
    } catch (cause) {
      throw problem(file, `tls_server_config.${key} ${path} cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`);
    }
  };
  const config: WebConfig = { files };
  if (top.tls_server_config) {
    const t = only(file, 'tls_server_config', top.tls_server_config, [
      'cert_file',
      'key_file',
      'client_auth_type',
      'client_ca_file',
      'min_version',
      'max_version',
      'cipher_suites',
      'curve_preferences',
      'prefer_server_cipher_suites',
    ]);
    const clientAuth = (t.client_auth_type ?? 'NoClientCert') as ClientAuth;
    if (!clientAuthTypes.includes(clientAuth))
      throw problem(file, `client_auth_type ${String(t.client_auth_type)} is not one of ${clientAuthTypes.join(', ')}`);
    if ((clientAuth === 'VerifyClientCertIfGiven' || clientAuth === 'RequireAndVerifyClientCert') && !t.client_ca_file)
      throw problem(file, `client_auth_type ${clientAuth} needs client_ca_file`);
    if (t.client_ca_file && clientAuth === 'NoClientCert')
      throw problem(file, 'client_ca_file is given but client_auth_type is NoClientCert: set the client_auth_type');
    const version = (key: string, fallback?: keyof typeof versions) => {
      const v = (t[key] ?? fallback) as keyof typeof versions | undefined;
      if (v === undefined) return undefined;
      if (!(v in versions)) throw problem(file, `${key} ${String(v)} is not one of ${Object.keys(versions).join(', ')}`);
      return versions[v];
    };
    const maxVersion = version('max_version');
    config.tls = {
      cert: read('cert_file', t.cert_file),
      key: read('key_file', t.key_file),
      ...(t.client_ca_file ? { ca: read('client_ca_file', t.client_ca_file) } : {}),
      clientAuth,
      minVersion: version('min_version', 'TLS12')!,
      ...(maxVersion ? { maxVersion } : {}),
    };
  }
  if (top.http_server_config) {
    const h = only(file, 'http_server_config', top.http_server_config, ['headers', 'http2']);
    if (h.headers && typeof h.headers === 'object') config.headers = Object.fromEntries(Object.entries(h.headers).map(([k, v]) => [k, String(v)]));
  }
  if (top.basic_auth_users) {
    const users = top.basic_auth_users;
    if (typeof users !== 'object' || Array.isArray(users)) throw problem(file, 'basic_auth_users is not a mapping of user: bcrypt hash');
    config.users = new Map();
    for (const [user, hash] of Object.entries(users as Record<string, unknown>)) {
      if (typeof hash !== 'string' || !/^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash))
        throw problem(file, `the password of ${user} in basic_auth_users is not a bcrypt hash (htpasswd -nBC 10 "" | tr -d ':\\n' makes one)`);
      config.users.set(user, hash);
    }
  }
  return config;
}

/** What the files look like now: a change of any (a new web.yml, a rotated certificate) changes it. */
function filesStamp(files: readonly string[]): string {
  return files
    .map((f) => {
      try {
        const st = statSync(f);
        return `${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

/**
 * Reads the web configuration again when it or a certificate it names changes — as the exporter-toolkit does, so a
 * rotated certificate (a Kubernetes Secret updated by cert-manager) or a new password needs no restart. `check()`
 * returns the new configuration once, when it changed and reads whole; a file that no longer reads is reported
 * through `warn` (once per change) and the last good configuration stays.
 */
export function webConfigReloader(file: string, initial: WebConfig, warn: (message: string) => void): { check(): WebConfig | undefined } {
  let files = initial.files ?? [resolve(file)];
  let stamp = filesStamp(files);
  return {
    check() {
      const now = filesStamp(files);
      if (now === stamp) return undefined;
      stamp = now;
      try {
        const next = readWebConfig(file);
        files = next.files ?? files;
        stamp = filesStamp(files);
        if (Boolean(next.tls) !== Boolean(initial.tls)) {
          warn(`kleak export: ${file} changed whether TLS is on: that takes a restart; kept the configuration in use\n`);
          return undefined;
        }
        warn(`kleak export: ${file} read again (it or a certificate it names changed)\n`);
        return next;
      } catch (error) {
        warn(`kleak export: ${file} changed but cannot be used, the last good configuration stays: ${(error as Error).message}\n`);
        return undefined;
      }
    },
  };
}

let decoyHash: string | undefined;
/** a hash to compare against when the user does not exist (at the cost the toolkit's examples use, 10) */
const decoy = () => (decoyHash ??= bcrypt.hashSync('kleak: no such user', 10));

/** The options of https.createServer for the TLS part (client certificates as client_auth_type says). */
export function tlsServerOptions(tls: NonNullable<WebConfig['tls']>) {
  const request = tls.clientAuth !== 'NoClientCert';
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca ? { ca: tls.ca } : {}),
    minVersion: tls.minVersion,
    ...(tls.maxVersion ? { maxVersion: tls.maxVersion } : {}),
    requestCert: request,
    // only RequireAndVerifyClientCert has the handshake itself refuse; the others are checked per request
    rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
  };
}

/**
 * Checks a request against the configuration: the client certificate where client_auth_type asks for one, then
 * basic auth. Answers the refusal itself and returns false; true lets the request through. Verified credentials are
 * remembered by their SHA-256 (bcrypt is slow on purpose: every scrape would pay it).
 */
export function webGuard(config: WebConfig): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const verified = new Set<string>();
  return async (req, res) => {
    for (const [k, v] of Object.entries(config.headers ?? {})) res.setHeader(k, v);
    const auth = config.tls?.clientAuth;
    if (auth === 'RequireAnyClientCert' || auth === 'VerifyClientCertIfGiven') {
      const socket = req.socket as TLSSocket;
      const cert = socket.getPeerCertificate?.();
      const given = cert && Object.keys(cert).length > 0;
      if ((auth === 'RequireAnyClientCert' && !given) || (auth === 'VerifyClientCertIfGiven' && given && !socket.authorized)) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end('a client certificate is required\n');
        return false;
      }
    }
    if (!config.users?.size) return true;
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon >= 0 ? decoded.slice(0, colon) : '';
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    const hash = config.users.get(user);
    const key = createHash('sha256')
      .update(`${user}\0${password}\0${hash ?? ''}`)
      .digest('hex');
    // a user that does not exist costs a comparison too, so timing does not tell which users exist
    const ok = verified.has(key) || (await bcrypt.compare(password, hash ?? decoy()).catch(() => false));
    if (ok && hash) {
      if (verified.size > 1000) verified.clear();
      verified.add(key);
      return true;
    }
    res.writeHead(401, { 'www-authenticate': 'Basic realm="kleak export"', 'content-type': 'text/plain' }).end('unauthorized\n');
    return false;
  };
}
