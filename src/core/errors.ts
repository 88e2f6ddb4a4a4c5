// Expected failures, as one-line messages with the exit code the CLI should use.

/** A failure the user can fix; the CLI prints its message (no stack) and exits with `exitCode`. */
export class EchoServerError extends Error {
  /**
   * @param message one line saying what went wrong and what to do
   * @param exitCode 1 for runtime failures, 2 for usage errors
   * @param code the underlying system error code, if any (`EADDRINUSE`, ...)
   */
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'EchoServerError';
  }
}

/** Turns a `listen()` failure into a message that says what to do. */
export function describeListenError(error: NodeJS.ErrnoException, host: string, port: number): EchoServerError {
  const where = `on ${host}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new EchoServerError(
        `port ${port} is already in use ${where}; choose another with --port, or --port 0 for a free one`,
        1,
        error.code,
      );
    case 'EACCES':
      return new EchoServerError(
        `port ${port} needs elevated privileges ${where}; choose a port above 1023, or --port 0 for a free one`,
        1,
        error.code,
      );
    case 'EADDRNOTAVAIL':
      return new EchoServerError(`cannot listen ${where}: no such address on this machine (try --host 127.0.0.1)`, 1, error.code);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new EchoServerError(`cannot listen ${where}: the host name does not resolve`, 1, error.code);
    default:
      return new EchoServerError(`cannot listen ${where} port ${port}: ${error.message}`, 1, error.code);
  }
}

/** Turns an OpenSSL complaint about a certificate or key into plain words. */
export function describeTlsError(error: Error): EchoServerError {
  const text = error.message;
  let message: string;
  if (/key values mismatch/i.test(text)) message = 'the certificate and the key do not match';
  else if (/no start line|bad base64|PEM|asn1|DECODER/i.test(text)) message = `the certificate or key is not valid PEM (${text})`;
  else message = text;
  return new EchoServerError(`cannot use the TLS certificate and key: ${message}`, 1);
}
