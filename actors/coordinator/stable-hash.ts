/**
 * The hash that places keys and virtual nodes on the ring. It must give the same number
 * for the same bytes in every process and every version, forever: changing it moves every
 * document to a new owner. SHA-256 is fixed by a standard and built into Node; we take its
 * first 48 bits so ring positions are exact integers in a JavaScript number.
 * @module
 */
import { createHash } from 'node:crypto';

/** Largest ring position plus one (2^48). */
export const RING_SIZE = 2 ** 48;

/** The ring position (0 <= n < 2^48) of a UTF-8 string or raw bytes. */
export function stableHash(input: string | Uint8Array): number {
  const digest = createHash('sha256').update(input).digest();
  return digest.readUIntBE(0, 6);
}
