// The target's TLS material tried at start (as OpenSSL reads it), so a bad file stops the recorder, not each client.
import { isIP } from 'node:net';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { EchoServerError } from '../core/errors';
import type { TargetTlsOptions } from './upstream-request';

/** Each part of `targetTls` tried on its own, with how the API and the command line name it. */
const PARTS: { fields: (keyof TargetTlsOptions)[]; api: string; cli: string }[] = [
  { fields: ['ca'], api: 'targetTls.ca', cli: '--target-ca' },
  { fields: ['cert'], api: 'targetTls.cert', cli: '--target-cert' },
  { fields: ['key', 'passphrase'], api: 'targetTls.key', cli: '--target-key' },
  { fields: ['cert', 'key', 'passphrase'], api: 'targetTls.cert and key', cli: '--target-cert and --target-key' },
];

/** A host name SNI can carry: letters, digits, `-`, `_` and dots, at most 253 characters; no IP address. */
const SERVERNAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/;

/** An error naming `api` (and `cli` for the command line) with `reason`. */
function refused(api: string, cli: string, reason: string, cliReason = reason): EchoServerError {
  return new EchoServerError(`${api}: ${reason}`, 2, undefined, `${cli}: ${cliReason}`);
}

/** Throws unless each CA given holds a PEM certificate (OpenSSL skips text that is none, trusting nothing from it). */
function checkCa(ca: TargetTlsOptions['ca']): void {
  if (ca === undefined) return;
  for (const pem of [ca].flat())
    if (!/-----BEGIN (TRUSTED |X509 )?CERTIFICATE-----/.test(String(pem)))
      throw refused('targetTls.ca', '--target-ca', 'no PEM certificate in it (-----BEGIN CERTIFICATE-----)');
}

/** Whether `key` (PEM, any of them) is encrypted. */
function encrypted(key: TargetTlsOptions['key']): boolean {
  return [key ?? []].flat().some((pem) => String(pem).includes('ENCRYPTED'));
}

/** Throws when `tls.servername` is not a host name SNI can carry. */
function checkServername(servername: string | undefined): void {
  if (servername === undefined) return;
  if (servername.length > 253 || !SERVERNAME.test(servername) || isIP(servername) !== 0)
    throw refused(
      'targetTls.servername',
      '--target-servername',
      `must be a host name (letters, digits, '-', '.'), not an IP address; got ${JSON.stringify(servername)}`,
    );
}

/**
 * Tries the CA, certificate and key of `tls` with OpenSSL, each part alone and then the certificate with its key, and
 * checks `servername`; throws an {@link EchoServerError} (exit code 2) naming the option (its flag in `cliMessage`)
 * and OpenSSL's reason.
 */
export function checkTargetTlsMaterial(tls: TargetTlsOptions): void {
  checkServername(tls.servername);
  checkCa(tls.ca);
  if (tls.key !== undefined && tls.passphrase === undefined && encrypted(tls.key))
    throw refused(
      'targetTls.key',
      '--target-key',
      'the key is encrypted: give its passphrase as targetTls.passphrase',
      'the key is encrypted and the command line takes no passphrase: decrypt it ' +
        '(openssl pkey -in key.pem -out plain-key.pem) or record from code with targetTls.passphrase',
    );
  for (const { fields, api, cli } of PARTS) {
    if (fields.some((field) => field !== 'passphrase' && tls[field] === undefined)) continue;
    const options: SecureContextOptions = {};
    for (const field of fields) Object.assign(options, { [field]: tls[field] });
    try {
      createSecureContext(options);
    } catch (error) {
      throw refused(api, cli, `OpenSSL refused it: ${(error as Error).message}`);
    }
  }
}
