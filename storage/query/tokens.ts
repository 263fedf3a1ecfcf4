/**
 * Word splitting compatible with FTS5's `unicode61 remove_diacritics 2` tokenizer: tokens
 * are runs of letters, digits, private-use characters and marks; they compare lower-cased
 * with diacritics removed. The planner uses it to drop clauses with no words (`&`), the
 * highlighter to find matches in stored text.
 * @module
 */

/** One token of a text, with its UTF-16 offsets. */
export interface Token {
  readonly start: number;
  readonly end: number;
  readonly folded: string;
}

const TOKEN = /[\p{L}\p{N}\p{Co}\p{M}]+/gu;

/** Folds a word the way the FTS5 tokenizer does. */
export function foldWord(word: string): string {
  return word
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** The tokens of `text`. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const folded = foldWord(match[0]);
    if (folded !== '') tokens.push({ start: match.index, end: match.index + match[0].length, folded });
  }
  return tokens;
}

/** The folded words of `text`. */
export function words(text: string): string[] {
  return tokenize(text).map((token) => token.folded);
}
