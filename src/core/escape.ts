// Escapes characters from clients that a terminal or a line-splitting reader would act on.

/**
 * Characters that reorder, end or restyle what a reader sees, beyond the C0 controls that
 * JSON.stringify already escapes: DEL (U+007F, which JSON.stringify leaves raw and a terminal
 * may act on as a rubout), C1 controls (U+0080–U+009F: NEL, and U+009B, which some
 * terminals take as CSI), LINE and PARAGRAPH SEPARATOR, and the bidi controls (LRM, RLM, ALM,
 * the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069).
 */
const UNSAFE_BEYOND_C0 = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same plus C0 controls and DEL, for text shown without JSON quoting. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const asEscape = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Replaces DEL, C1 controls, line separators and bidi controls with `\uXXXX`. Applied to a JSON
 * line, the result is still valid JSON that parses back to the same value; applied to a line
 * whose client text is already JSON-quoted, it leaves the terminal's own escapes (colors) alone.
 */
export function escapeBeyondC0(text: string): string {
  return text.replace(UNSAFE_BEYOND_C0, asEscape);
}

/** Replaces every control, line separator and bidi control in `text` with `\uXXXX`. */
export function escapeClientText(text: string): string {
  return text.replace(UNSAFE, asEscape);
}
