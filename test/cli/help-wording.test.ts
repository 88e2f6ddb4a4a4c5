// Flags that contradict each other are a usage error, and --help says what --version prints, in the right grammatical
// number.
import { runCliToEnd } from '../helpers/processes/cli';

describe('--protocol with --no-protocol', () => {
  it.each([[['--protocol', 'mqtt', '--no-protocol']], [['--no-protocol', '--protocol', 'mqtt']]])(
    '%j exits 2 naming both',
    async (args) => {
      const { code, stderr } = await runCliToEnd(['--port', '0', ...args]);
      expect(code).toBe(2);
      expect(stderr).toContain('error: --protocol and --no-protocol contradict each other: give one of them');
    },
  );
});

describe('--help', () => {
  let help: string;
  beforeAll(async () => {
    help = (await runCliToEnd(['--help'])).stdout.replace(/\s+/g, ' ');
  });

  it('says --version also prints how frames are masked', () => {
    expect(help).toContain(
      '-V, --version print the version, and how frames are masked (bufferutil: native or javascript)',
    );
  });

  it('writes a bound of 1 in the singular: at least 1 byte/s', () => {
    expect(help).toContain('at least 1 byte/s');
    expect(help).not.toMatch(/\b1 bytes\b|\b1 echoes\b/);
  });
});
