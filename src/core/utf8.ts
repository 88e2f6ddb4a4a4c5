// Cutting UTF-8 text at a byte limit without splitting a character.

/**
 * Returns at most `maxBytes` bytes of `text` (valid UTF-8), cut back to the last whole
 * character so the result is valid UTF-8 too. No copy: the result is a view of `text`.
 */
export function truncateUtf8(text: Buffer, maxBytes: number): Buffer {
  if (text.length <= maxBytes) return text;
  let end = maxBytes;
  // A continuation byte (10xxxxxx) at the cut means a character straddles it: back up to its start.
  while (end > 0 && (text[end] & 0xc0) === 0x80) end--;
  return text.subarray(0, end);
}

/**
 * Returns the first `maxBytes` bytes of a message: binary is cut anywhere, text only
 * between characters. This is the article's one fixed-size read.
 */
export function firstBytes(data: Buffer, isBinary: boolean, maxBytes: number): Buffer {
  if (data.length <= maxBytes) return data;
  return isBinary ? data.subarray(0, maxBytes) : truncateUtf8(data, maxBytes);
}
