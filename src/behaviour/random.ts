// A small seeded pseudo-random generator, so a connection's random choices repeat for the same seed.

/**
 * Returns numbers in [0, 1): the same `seed` gives the same sequence (mulberry32: 32-bit state, fast, not for secrets).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh seed for a connection that asked for randomness but gave none; logged, so a run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

/** Draws delays in ms: a fixed delay, or a whole number in [min, max] from `random`. */
export function delayPicker(delay: number | readonly [number, number], random: () => number): () => number {
  if (typeof delay === 'number') return () => delay;
  const [min, max] = delay;
  return () => min + Math.floor(random() * (max - min + 1));
}
