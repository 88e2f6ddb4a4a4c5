// Expected failures, as one-line messages with the exit code the CLI should use.

/** A failure the user can fix; the CLI prints its message (no stack) and exits with `exitCode`. */
export class EchoServerError extends Error {
  /**
   * @param message one line saying what went wrong and what to do
   * @param exitCode 1 for runtime failures, 2 for usage errors
   * @param code the underlying system error code, if any (`EADDRINUSE`, ...)
   * @param cliMessage the same message in the command line's words (`--port` for `the port option`), if they differ
   */
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    readonly code?: string,
    readonly cliMessage?: string,
  ) {
    super(message);
    this.name = 'EchoServerError';
  }
}

/** How a setting is named (`the port option`, `--port`) and set to a value (`port: 0`, `--port 0`). */
interface Wording {
  name(option: string): string;
  set(option: string, value: string | number): string;
}
const API_WORDING: Wording = {
  name: (option) => `the ${option} option`,
  set: (option, value) => `${option}: ${JSON.stringify(value)}`,
};
const CLI_WORDING: Wording = { name: (option) => `--${option}`, set: (option, value) => `--${option} ${value}` };

/**
 * Turns a `listen()` failure into a message that says what to do, in the API's words; its
 * `cliMessage` says the same with flags.
 */
export function describeListenError(error: NodeJS.ErrnoException, host: string, port: number): EchoServerError {
  const where = `on ${host}`;
  const say = ({ name, set }: Wording): string => {
    switch (error.code) {
      case 'EADDRINUSE':
        return `port ${port} is already in use ${where}; choose another with ${name('port')}, or ${set('port', 0)} for a free one`;
      case 'EACCES':
        return `port ${port} needs elevated privileges ${where}; choose a port above 1023, or ${set('port', 0)} for a free one`;
      case 'EADDRNOTAVAIL':
        return `cannot listen ${where}: no such address on this machine (try ${set('host', '127.0.0.1')})`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `cannot listen ${where}: the host name does not resolve`;
      default:
        return `cannot listen ${where} port ${port}: ${error.message}`;
    }
  };
  return new EchoServerError(say(API_WORDING), 1, error.code, say(CLI_WORDING));
}

/** Whether a `tls.cert` or `tls.key` value looks like a file name rather than PEM text. */
function looksLikeFileName(value: string | Buffer | undefined): value is string {
  return typeof value === 'string' && !value.includes('-----BEGIN') && !value.includes('\n') && value.length < 4096;
}

/**
 * Turns an OpenSSL complaint about a certificate or key into plain words; `tls` is what the
 * API was given, so a file name passed where PEM text belongs gets a hint.
 */
export function describeTlsError(
  error: Error,
  tls?: { cert?: string | Buffer; key?: string | Buffer },
): EchoServerError {
  const text = error.message;
  let message: string;
  const fileName = [tls?.cert, tls?.key].find(looksLikeFileName);
  if (/key values mismatch/i.test(text)) message = 'the certificate and the key do not match';
  else if (/no start line|bad base64|PEM|asn1|DECODER/i.test(text))
    message = `the certificate or key is not valid PEM (${text})`;
  else message = text;
  if (fileName !== undefined) {
    message += `; tls.cert and tls.key take PEM text or a Buffer, not a file name: pass fs.readFileSync(${JSON.stringify(fileName)})`;
  }
  return new EchoServerError(`cannot use the TLS certificate and key: ${message}`, 1);
}
