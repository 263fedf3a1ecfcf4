/** Highlight tests: snippets of stored text with the matched words marked and HTML escaped. */
import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../../../messages/index.js';
import { highlight, parseQuery, type HighlightOptions } from '../../../storage/query/index.js';
import { testLayout } from './fixture.js';

const document: JsonObject = {
  id: 'doc',
  title: 'The Quick Brown Fox',
  body: 'A <b>fox</b> & a "quick" dog; quickly the brown fox ran. Crème brûlée!',
  notes: ['first note about foxes', 'second note'],
  tag: 'fox',
};

const mark = (query: string, fields: readonly string[] = ['title', 'body'], options?: HighlightOptions) =>
  highlight(parseQuery(query), document, fields, testLayout, options);

describe('highlight', () => {
  it('marks terms in the default fields, case-insensitively, escaping the rest', () => {
    expect(mark('fox')).toEqual({
      title: 'The Quick Brown <em>Fox</em>',
      body: 'A &lt;b&gt;<em>fox</em>&lt;/b&gt; &amp; a &quot;quick&quot; dog; quickly the brown <em>fox</em> ran. Crème brûlée!',
    });
  });

  it('marks only the queried field for field:term', () => {
    expect(mark('title:quick')).toEqual({ title: 'The <em>Quick</em> Brown Fox' });
  });

  it('marks prefixes and phrases', () => {
    expect(mark('body:quick*').body).toContain('&quot;<em>quick</em>&quot; dog; <em>quickly</em> the');
    expect(mark('"brown fox"')).toEqual({
      title: 'The Quick <em>Brown Fox</em>',
      body: expect.stringContaining('quickly the <em>brown fox</em> ran') as unknown as string,
    });
  });

  it('marks the words of a phrase with slop one by one', () => {
    expect(mark('title:"fox quick"~3').title).toBe('The <em>Quick</em> Brown <em>Fox</em>');
  });

  it('matches without diacritics like the tokenizer', () => {
    expect(mark('creme brulee').body).toContain('<em>Crème</em> <em>brûlée</em>!');
  });

  it('ignores negated clauses, filters and fields without a match', () => {
    expect(mark('quick -fox')).toEqual({
      title: 'The <em>Quick</em> Brown Fox',
      body: expect.stringContaining('&quot;<em>quick</em>&quot; dog') as unknown as string,
    });
    expect(mark('tag:fox year:>2000')).toEqual({});
    expect(mark('dinner')).toEqual({});
  });

  it('highlights requested non-default text fields and arrays of strings', () => {
    expect(mark('notes:foxes', ['notes'])).toEqual({ notes: 'first note about <em>foxes</em> second note' });
    expect(mark('foxes', ['notes'])).toEqual({});
  });

  it('uses custom tags and cuts long text around the matches', () => {
    const long: JsonObject = {
      body: `${'lorem ipsum '.repeat(40)}the needle is here ${'dolor sit '.repeat(40)}`,
    };
    const [snippet] = Object.values(
      highlight(parseQuery('needle'), long, ['body'], testLayout, {
        maxLength: 60,
        preTag: '[',
        postTag: ']',
      }),
    );
    expect(snippet).toMatch(/^….*the \[needle\] is here.*…$/);
    expect((snippet ?? '').length).toBeLessThanOrEqual(60 + 4);
  });

  it('picks the window with the most matches in a large document', () => {
    const big: JsonObject = {
      body: `${'fox and hound '.repeat(20_000)}${'x '.repeat(50)}fox fox fox fox fox fox fox fox ${'y '.repeat(50)}`,
    };
    const snippet =
      highlight(parseQuery('fox OR foxes'), big, ['body'], testLayout, { maxLength: 40 })['body'] ?? '';
    expect(snippet.split('<em>fox</em>').length - 1).toBe(8);
  });

  it('keeps tags balanced when a match sits at the edge of the window', () => {
    const text: JsonObject = { body: `needle ${'x '.repeat(200)}` };
    const snippet =
      highlight(parseQuery('needle'), text, ['body'], testLayout, { maxLength: 30 })['body'] ?? '';
    expect(snippet.startsWith('<em>needle</em>')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet.split('<em>').length).toBe(snippet.split('</em>').length);
  });

  it('does not let document text inject markup and ignores unknown fields', () => {
    const evil: JsonObject = { title: '<script>alert("x")</script> fox' };
    expect(highlight(parseQuery('fox nope:x'), evil, ['title', 'nope'], testLayout)).toEqual({
      title: '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <em>fox</em>',
    });
  });
});
