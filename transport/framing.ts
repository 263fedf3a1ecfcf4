/**
 * Length-prefixed framing on a byte stream: each frame is an unsigned LEB128 varint length
 * followed by that many bytes (the same layout as it-length-prefixed, so any libp2p tool
 * can read it). The decoder is incremental and synchronous, so a chunk that holds many
 * frames is split without one promise per frame, and it refuses a frame longer than the
 * limit as soon as the length prefix is read, before buffering the body.
 * @module
 */
import { Uint8ArrayList } from 'uint8arraylist';

/** The longest varint accepted: 5 bytes cover lengths up to 2^35, far above any sane limit. */
const MAX_VARINT_BYTES = 5;

/** A frame violated the framing rules: too long, or a corrupt length prefix. */
export class FramingViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingViolation';
  }
}

/** Writes the varint length prefix of `length` into a new buffer. */
export function encodeLengthPrefix(length: number): Uint8Array {
  const bytes: number[] = [];
  let rest = length;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

/** Splits a byte stream into frames of at most `maxFrameBytes` bytes. */
export class FrameDecoder {
  private readonly buffer = new Uint8ArrayList();
  /** Length of the frame being assembled, once its prefix is read. */
  private pendingLength: number | undefined;

  constructor(private readonly maxFrameBytes: number) {}

  /**
   * Appends a chunk and returns every frame now complete. Throws FramingViolation for an
   * oversized frame or a corrupt prefix; the stream must then be reset.
   */
  push(chunk: Uint8Array | Uint8ArrayList): Uint8Array[] {
    this.buffer.append(chunk);
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.pendingLength === undefined) {
        const prefix = this.readPrefix();
        if (prefix === undefined) return frames;
        this.pendingLength = prefix;
      }
      if (this.buffer.byteLength < this.pendingLength) return frames;
      frames.push(this.buffer.subarray(0, this.pendingLength));
      this.buffer.consume(this.pendingLength);
      this.pendingLength = undefined;
    }
  }

  /** Bytes buffered and not yet returned as a frame. */
  get bufferedBytes(): number {
    return this.buffer.byteLength;
  }

  private readPrefix(): number | undefined {
    let value = 0;
    let multiplier = 1;
    const available = Math.min(this.buffer.byteLength, MAX_VARINT_BYTES);
    for (let index = 0; index < available; index++) {
      const byte = this.buffer.get(index);
      value += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        if (value > this.maxFrameBytes) {
          throw new FramingViolation(`frame of ${value} bytes exceeds the limit of ${this.maxFrameBytes}`);
        }
        this.buffer.consume(index + 1);
        return value;
      }
      multiplier *= 128;
    }
    if (this.buffer.byteLength >= MAX_VARINT_BYTES) throw new FramingViolation('corrupt frame length prefix');
    return undefined;
  }
}
