// A line handed to the transcript file while the recorder is closing it is let go, not reported as a failed file.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TranscriptFile } from '../../src/record/transcript-file';

test('a line written as the file closes does not turn the recording into a failed one', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ws-echo-transcript-')), 'feed.jsonl');
  const transcript = await TranscriptFile.open(file);
  transcript.write({ c: 1, event: 'open', path: '/' });
  const closing = transcript.close();
  transcript.write({ c: 1, from: 's', t: 5, text: 'late' }); // a pair's last message, as the recorder stops
  await closing;
  await nextTurn();
  await nextTurn();
  expect(transcript.failure).toBeUndefined();
  expect(readFileSync(file, 'utf8')).toBe('{"c":1,"event":"open","path":"/"}\n');
});
