// `ws-echo record`'s TLS flags for a wss:// target: --target-ca, --target-cert, --target-key, --target-insecure, ...
import { Option } from 'commander';
import { readBoundedFile } from '../core/bounded-file';
import { EchoServerError } from '../core/errors';
import type { TargetTlsOptions } from '../record/upstream-request';
import { MAX_TLS_FILE_BYTES } from './tls-files';

/** The flags, as commander options (their values come back as targetCa, targetCert, ...). */
export function targetTlsFlags(): Option[] {
  return [
    new Option('--target-ca <file>', "PEM certificate authorities the target's certificate is checked against"),
    new Option('--target-cert <file>', 'a PEM client certificate for a target that asks for one (with --target-key)'),
    new Option('--target-key <file>', 'the PEM private key of --target-cert'),
    new Option('--target-servername <name>', "the name sent in SNI and checked in the target's certificate"),
    new Option('--target-insecure', 'accept any certificate from the target (a warning says so at start)'),
  ];
}

/** Reads a PEM file named by `flag`, a regular file of at most 1 MiB; every error names the flag (exit code 2). */
function readPem(flag: string, file: string): Buffer {
  const fail = (reason: string): EchoServerError =>
    new EchoServerError(`cannot read ${flag} file ${JSON.stringify(file)}: ${reason}`, 2);
  const tooLarge = (size: number): string =>
    `it is ${size} bytes, larger than a PEM file can be (limit ${MAX_TLS_FILE_BYTES})`;
  return readBoundedFile(file, MAX_TLS_FILE_BYTES, fail, tooLarge);
}

/** The `targetTls` option from the flags, files read; undefined when none is given. */
export function targetTlsFrom(flags: Record<string, unknown>): TargetTlsOptions | undefined {
  const { targetCa, targetCert, targetKey, targetServername, targetInsecure } = flags as Record<string, string>;
  if ((targetCert === undefined) !== (targetKey === undefined))
    throw new EchoServerError('--target-cert and --target-key must be given together', 2);
  const tls: TargetTlsOptions = {};
  if (targetCa !== undefined) tls.ca = readPem('--target-ca', targetCa);
  if (targetCert !== undefined) tls.cert = readPem('--target-cert', targetCert);
  if (targetKey !== undefined) tls.key = readPem('--target-key', targetKey);
  if (targetServername !== undefined) tls.servername = targetServername;
  if (targetInsecure) tls.rejectUnauthorized = false;
  return Object.keys(tls).length === 0 ? undefined : tls;
}
