// The names of the echo modes: a type every layer shares (the modes themselves are data in behaviour/modes.ts).

/** The four echo modes, from the article's naive first try to an RFC 6455-correct server. */
export type EchoMode = 'one-shot' | 'whole-message' | 'forever' | 'graceful';
