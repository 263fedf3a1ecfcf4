/** The interactive shell's word splitting and Tab completion. */
import { describe, expect, it } from '@jest/globals';
import { completeShellLine, tokenize, UsageError, type CompletionSource } from '../../../apps/cli/index.js';

const source: CompletionSource = {
  indexNames: async () => ['books', 'bookmarks', 'logs'],
  fieldNames: async (index) => (index === 'books' ? ['title', 'year', 'price'] : ['message']),
};

describe('tokenize', () => {
  it('splits on whitespace and groups quotes', () => {
    expect(tokenize(`search books "title:dune OR year:1965" --limit 5`)).toEqual([
      'search',
      'books',
      'title:dune OR year:1965',
      '--limit',
      '5',
    ]);
    expect(tokenize(`get books 'it''s' a\\ b ""`)).toEqual(['get', 'books', 'its', 'a b', '']);
  });
  it('refuses an unclosed quote', () => {
    expect(() => tokenize('search books "open')).toThrow(UsageError);
  });
});

describe('completeShellLine', () => {
  it('completes commands and subcommands', async () => {
    expect(await completeShellLine('se', source)).toEqual([['search'], 'se']);
    expect(await completeShellLine('d', source)).toEqual([['delete', 'drop', 'data'], 'd']);
    expect(await completeShellLine('schema ', source)).toEqual([['get', 'put', 'detect'], '']);
  });
  it('completes index names where an index goes', async () => {
    expect(await completeShellLine('search boo', source)).toEqual([['books', 'bookmarks'], 'boo']);
    expect(await completeShellLine('schema get l', source)).toEqual([['logs'], 'l']);
    expect(await completeShellLine('data load b', source)).toEqual([['books', 'bookmarks'], 'b']);
    expect(await completeShellLine('health x', source)).toEqual([[], 'x']);
  });
  it('completes field names in a search query and after --fields and --sort', async () => {
    expect(await completeShellLine('search books ti', source)).toEqual([['title:'], 'ti']);
    expect(await completeShellLine('search books dune --fields title,y', source)).toEqual([
      ['title,year'],
      'title,y',
    ]);
    expect(await completeShellLine('search books dune --sort p', source)).toEqual([['price'], 'p']);
    expect(await completeShellLine('search logs x --li', source)).toEqual([['--limit'], '--li']);
  });
});
