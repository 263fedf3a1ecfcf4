import { describe, expect, it } from '@jest/globals';
import type { CameoError } from '../../messages/index.js';
import {
  AskTimeoutError,
  DocumentNotFoundError,
  PeerGoneError,
  QuerySyntaxError,
  RemoteError,
  decodeMessage,
  encodeMessage,
  errorFromWire,
  errorMessage,
  toCameoError,
  indexName,
  InvalidIdError,
  type WireError,
} from '../../messages/index.js';

function overTheWire(error: CameoError): CameoError {
  return errorFromWire(decodeMessage<WireError>(encodeMessage(error.toWire())));
}

describe('serialisable errors', () => {
  it('rebuild as the same class with code, message and details', () => {
    const original = new DocumentNotFoundError('books', 'b-9');
    const rebuilt = overTheWire(original);
    expect(rebuilt).toBeInstanceOf(DocumentNotFoundError);
    expect(rebuilt.code).toBe('DOCUMENT_NOT_FOUND');
    expect(rebuilt.message).toBe(original.message);
    expect(rebuilt.details).toEqual({ index: 'books', id: 'b-9' });
  });

  it('keep the position of a query syntax error', () => {
    const rebuilt = overTheWire(new QuerySyntaxError('unclosed quote', 7, 'title:"abc'));
    expect(rebuilt).toBeInstanceOf(QuerySyntaxError);
    expect((rebuilt as QuerySyntaxError).position).toBe(7);
  });

  it('round-trip the transport failures', () => {
    expect(overTheWire(new AskTimeoutError('late'))).toBeInstanceOf(AskTimeoutError);
    expect(overTheWire(new PeerGoneError('gone'))).toBeInstanceOf(PeerGoneError);
  });

  it('turn an unknown code into a RemoteError that keeps the code', () => {
    const rebuilt = errorFromWire({ type: 'Error', code: 'SOMETHING_NEW', message: 'from the future' });
    expect(rebuilt).toBeInstanceOf(RemoteError);
    expect((rebuilt as RemoteError).remoteCode).toBe('SOMETHING_NEW');
    expect(rebuilt.toWire().code).toBe('SOMETHING_NEW');
  });
});

describe('branded ids', () => {
  it('accept valid and reject invalid index names', () => {
    expect(indexName('books-2024_a')).toBe('books-2024_a');
    for (const bad of ['', 'Books', '-x', 'a b', 'x'.repeat(65), '../etc']) {
      expect(() => indexName(bad)).toThrow(InvalidIdError);
    }
  });
});

describe('errorMessage', () => {
  it('reads the message of an Error, of an error of another realm, and of anything thrown', () => {
    expect(errorMessage(new TypeError('bad type'))).toBe('bad type');
    expect(errorMessage({ name: 'SqliteError', message: 'disk I/O error', code: 'SQLITE_IOERR' })).toBe(
      'disk I/O error',
    );
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage({ message: 7 })).toBe('[object Object]');
    expect(toCameoError({ message: 'from an addon' })).toMatchObject({
      code: 'INTERNAL_ERROR',
      message: 'from an addon',
    });
  });
});
