/**
 * Rebalancing messages carry each copy's hybrid logical clock stamp across the wire (a schema
 * that dropped it would silently turn every handed-off copy into stamp 0, and the lost write
 * of issue #6 would come back between real nodes only), accept copies without one (a node
 * from before stamps), and refuse stamps that are not safe integers.
 */
import { describe, expect, it } from '@jest/globals';
import {
  DecodeError,
  decodeMessage,
  encodeMessage,
  type AcceptHandoff,
  type BatchWriteRequest,
  type DocumentsScanned,
} from '../../messages/index.js';

const STAMP = 1_234_567_890_123_456; // above 2^32, below 2^53

describe('stamps in rebalancing messages', () => {
  it('survive encode and decode of a scan page, a handoff and an adopt batch', () => {
    const scanned: DocumentsScanned = {
      type: 'DocumentsScanned',
      documents: [{ id: 'a', doc: { t: 'x' }, version: 3, stamp: STAMP }],
    };
    const handoff: AcceptHandoff = {
      type: 'AcceptHandoff',
      index: 'notes',
      items: [
        { id: 'a', doc: { t: 'x' }, version: 3, stamp: STAMP, routingKey: 'tenant' },
        { id: 'b', doc: { t: 'y' }, version: 1 },
      ],
    };
    const adopt: BatchWriteRequest = {
      type: 'BatchWriteRequest',
      index: 'notes',
      adopt: true,
      items: [{ position: 0, id: 'a', doc: { t: 'x' }, version: 3, stamp: STAMP }],
    };
    for (const message of [scanned, handoff, adopt]) {
      expect(decodeMessage(encodeMessage(message))).toEqual(message);
    }
    const decoded = decodeMessage<AcceptHandoff>(encodeMessage(handoff));
    expect(decoded.items[0]?.stamp).toBe(STAMP);
    // A copy from a node without stamps has none (read as 0 by the receiver).
    expect(decoded.items[1]).not.toHaveProperty('stamp');
  });

  it('refuse a stamp that is negative, fractional or beyond 2^53', () => {
    for (const stamp of [-1, 1.5, 2 ** 60]) {
      const frame = encodeMessage({
        type: 'AcceptHandoff',
        index: 'notes',
        items: [{ id: 'a', doc: {}, version: 1, stamp }],
      } as AcceptHandoff);
      expect(() => decodeMessage(frame)).toThrow(DecodeError);
    }
  });
});
