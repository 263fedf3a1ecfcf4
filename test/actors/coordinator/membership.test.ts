import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MEMBERSHIP_FILE,
  MembershipFileError,
  clusterState,
  readMembers,
  schemaKey,
  writeMembers,
} from '../../../actors/index.js';

const directories: string[] = [];
afterEach(() => {
  for (const path of directories.splice(0)) rmSync(path, { recursive: true, force: true });
});
function directory(): string {
  const path = mkdtempSync(join(tmpdir(), 'cameodb-members-'));
  directories.push(path);
  return path;
}

describe('the membership file', () => {
  it('is empty before the first write and round-trips sorted members', () => {
    const path = directory();
    expect(readMembers(path)).toEqual([]);
    writeMembers(path, [
      { nodeId: 'b', shardCount: 4, addresses: ['/ip4/127.0.0.1/tcp/1'] },
      { nodeId: 'a', shardCount: 2 },
    ]);
    expect(readMembers(path)).toEqual([
      { nodeId: 'a', shardCount: 2 },
      { nodeId: 'b', shardCount: 4, addresses: ['/ip4/127.0.0.1/tcp/1'] },
    ]);
  });

  it('refuses a corrupt file with a typed error', () => {
    const path = directory();
    writeFileSync(join(path, MEMBERSHIP_FILE), '{"members": [{"nodeId": "", "shardCount": 0}]}');
    expect(() => readMembers(path)).toThrow(MembershipFileError);
  });
});

describe('clusterState', () => {
  it('is Active with every member up, Degraded with some down, Failed with every other down', () => {
    const up = (nodeId: string) => ({ nodeId, healthy: true });
    const down = (nodeId: string) => ({ nodeId, healthy: false });
    expect(clusterState([up('self')], 'self')).toBe('Active');
    expect(clusterState([up('self'), up('a'), up('b')], 'self')).toBe('Active');
    expect(clusterState([up('self'), up('a'), down('b')], 'self')).toBe('Degraded');
    expect(clusterState([up('self'), down('a'), down('b')], 'self')).toBe('Failed');
  });

  it('names the schema owner key of an index', () => {
    expect(schemaKey('books')).toBe('schema:books');
  });
});
