/**
 * The query string parser: a hand-written recursive-descent parser (no lexer: whether `:`
 * ends a word depends on where the word stands). Grammar, loosest binding first:
 *
 *   query   := or EOF
 *   or      := and ( "OR" and )*
 *   and     := unary ( ["AND"] unary )*            adjacent clauses are ANDed
 *   unary   := "NOT" unary | "+" unary | "-" unary | primary
 *   primary := "(" or ")" boost? | "*" | field ":" value | word boost? | phrase boost?
 *   value   := "(" or ")" boost? | "*" | phrase boost? | word boost? | range | compare | "IN" list
 *   phrase  := '"' chars '"' ( "~" int )?          range := ("["|"{") bound "TO" bound ("]"|"}")
 *   compare := (">"|">="|"<"|"<=") literal         list  := "[" literal* "]"
 *
 * Errors are QuerySyntaxError with the 0-based position of the offending character.
 * Input size, nesting depth and clause count are bounded so hostile input cannot exhaust
 * the stack or build a huge SQL statement.
 * @module
 */
import { QuerySyntaxError } from '../../messages/index.js';
import type { QueryNode, RangeBound } from './ast.js';

/** Limits on what one query may contain. */
export const QUERY_LIMITS = {
  /** Characters in the query string. */
  maxLength: 16_384,
  /** Nesting of groups and unary operators. */
  maxDepth: 32,
  /** Leaf clauses (terms, phrases, ranges, list values...). */
  maxClauses: 512,
  /** Slop of a phrase. */
  maxSlop: 100,
  /** Largest boost. */
  maxBoost: 1_000_000,
} as const;

/** Characters that end a word (besides whitespace); `:` is added outside value position. */
const WORD_BREAKS = new Set(['(', ')', '"', '^', '~', '[', ']', '{', '}']);

/** Parses a query string into its AST, or throws QuerySyntaxError with a position. */
export function parseQuery(text: string): QueryNode {
  if (typeof text !== 'string') throw new QuerySyntaxError('the query must be a string', 0, '');
  if (text.length > QUERY_LIMITS.maxLength) {
    throw new QuerySyntaxError(
      `the query is too long (${text.length} characters, at most ${QUERY_LIMITS.maxLength})`,
      QUERY_LIMITS.maxLength,
      text.slice(0, 200),
    );
  }
  return new QueryParser(text).parse();
}

interface Word {
  readonly text: string;
  /** Ends with an unescaped `*`, which is not part of `text`. */
  readonly star: boolean;
  readonly position: number;
}

class QueryParser {
  private position = 0;
  private depth = 0;
  private clauses = 0;

  constructor(private readonly text: string) {}

  parse(): QueryNode {
    this.skipSpace();
    if (this.atEnd()) throw this.error('the query is empty (use * to match every document)');
    const node = this.parseOr(null);
    this.skipSpace();
    if (!this.atEnd()) {
      if (this.peek() === ')') throw this.error("unexpected ')' without a matching '('");
      throw this.error(`unexpected ${this.describeHere()}`);
    }
    return node;
  }

  private parseOr(field: string | null): QueryNode {
    const clauses = [this.parseAnd(field)];
    for (;;) {
      this.skipSpace();
      if (!this.peekKeyword('OR')) break;
      this.position += 2;
      this.skipSpace();
      if (this.atEnd() || this.peek() === ')') throw this.error('expected a clause after OR');
      clauses.push(this.parseAnd(field));
    }
    return clauses.length === 1 ? (clauses[0] as QueryNode) : { kind: 'or', clauses };
  }

  private parseAnd(field: string | null): QueryNode {
    const clauses = [this.parseUnary(field)];
    for (;;) {
      this.skipSpace();
      if (this.atEnd() || this.peek() === ')' || this.peekKeyword('OR')) break;
      if (this.peekKeyword('AND')) {
        this.position += 3;
        this.skipSpace();
        if (this.atEnd() || this.peek() === ')' || this.peekKeyword('OR')) {
          throw this.error('expected a clause after AND');
        }
      }
      clauses.push(this.parseUnary(field));
    }
    return clauses.length === 1 ? (clauses[0] as QueryNode) : { kind: 'and', clauses };
  }

  private parseUnary(field: string | null): QueryNode {
    this.skipSpace();
    if (this.peekKeyword('NOT')) {
      this.position += 3;
      return this.nested(() => ({ kind: 'not', clause: this.operand('NOT', field) }));
    }
    const sign = this.peek();
    if (sign === '+' || sign === '-') {
      this.position += 1;
      if (this.atEnd() || /\s/.test(this.peek())) throw this.error(`expected a clause right after '${sign}'`);
      return this.nested(() => {
        const clause = this.parseUnary(field);
        return sign === '-' ? { kind: 'not', clause } : clause;
      });
    }
    return this.parsePrimary(field);
  }

  private operand(operator: string, field: string | null): QueryNode {
    this.skipSpace();
    if (this.atEnd() || this.peek() === ')') throw this.error(`expected a clause after ${operator}`);
    return this.parseUnary(field);
  }

  private parsePrimary(field: string | null): QueryNode {
    const start = this.position;
    const char = this.peek();
    if (char === '(') return this.parseGroup(field);
    if (char === ')') throw this.error("unexpected ')' without a matching '('");
    if (this.peekKeyword('AND') || this.peekKeyword('OR')) {
      throw this.error(`expected a clause but found the operator ${this.peekKeyword('AND') ? 'AND' : 'OR'}`);
    }
    if (char === '"') {
      const quoted = this.readQuoted();
      if (this.peek() === ':') {
        if (quoted === '') throw this.errorAt(start, 'a field name cannot be empty');
        this.position += 1;
        return this.parseFieldValue(quoted);
      }
      return this.finishPhrase(field, quoted, start);
    }
    if (WORD_BREAKS.has(char)) throw this.error(`unexpected ${this.describeHere()}`);
    const word = this.readWord(false);
    if (this.peek() === ':') {
      if (word.star) throw this.errorAt(start, 'a field name cannot end with *');
      this.position += 1;
      return this.parseFieldValue(word.text);
    }
    return this.finishWord(field, word);
  }

  private parseGroup(field: string | null): QueryNode {
    const open = this.position;
    this.position += 1;
    const inner = this.nested(() => {
      this.skipSpace();
      if (this.peek() === ')') throw this.error('empty parentheses');
      if (this.atEnd()) throw this.errorAt(open, "'(' is never closed");
      return this.parseOr(field);
    });
    this.skipSpace();
    if (this.peek() !== ')') throw this.errorAt(open, "'(' is never closed");
    this.position += 1;
    return this.withBoost(inner);
  }

  private parseFieldValue(field: string): QueryNode {
    this.skipSpace();
    const start = this.position;
    if (this.atEnd()) throw this.error(`expected a value after '${field}:'`);
    const char = this.peek();
    if (char === '(') return this.parseGroup(field);
    if (char === '"') return this.finishPhrase(field, this.readQuoted(), start);
    if (char === '[' || char === '{') return this.parseRange(field, start);
    if (char === '>' || char === '<') return this.parseComparison(field, start);
    if (this.text.startsWith('IN', start)) {
      const after = this.position;
      this.position += 2;
      this.skipSpace();
      if (this.peek() === '[') return this.parseList(field, start);
      this.position = after;
    }
    if (WORD_BREAKS.has(char))
      throw this.error(`expected a value after '${field}:' but found ${this.describeHere()}`);
    return this.finishWord(field, this.readWord(true));
  }

  private parseRange(field: string, start: number): QueryNode {
    const lowerInclusive = this.peek() === '[';
    this.position += 1;
    this.skipSpace();
    const lower = this.readBound('the lower end of the range');
    this.skipSpace();
    if (!this.text.startsWith('TO', this.position)) throw this.error("expected 'TO' in the range");
    this.position += 2;
    this.skipSpace();
    const upper = this.readBound('the upper end of the range');
    this.skipSpace();
    const close = this.peek();
    if (close !== ']' && close !== '}') throw this.error("expected ']' or '}' to close the range");
    this.position += 1;
    this.countClause(start);
    return this.withBoost({
      kind: 'range',
      field,
      lower: lower === null ? null : { value: lower, inclusive: lowerInclusive },
      upper: upper === null ? null : { value: upper, inclusive: close === ']' },
      position: start,
    });
  }

  private parseComparison(field: string, start: number): QueryNode {
    const greater = this.peek() === '>';
    this.position += 1;
    const inclusive = this.peek() === '=';
    if (inclusive) this.position += 1;
    const value = this.readLiteral('a value after the comparison');
    this.countClause(start);
    const bound: RangeBound = { value, inclusive };
    return this.withBoost({
      kind: 'range',
      field,
      lower: greater ? bound : null,
      upper: greater ? null : bound,
      position: start,
    });
  }

  private parseList(field: string, start: number): QueryNode {
    this.position += 1; // '['
    const values: string[] = [];
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) throw this.errorAt(start, "the IN list is never closed with ']'");
      if (this.peek() === ']') break;
      this.countClause(this.position);
      values.push(this.readLiteral('a value in the IN list'));
    }
    this.position += 1;
    if (values.length === 0) throw this.errorAt(start, 'the IN list is empty');
    return this.withBoost({ kind: 'in', field, values, position: start });
  }

  /** A range end: `*` (open) or a literal. */
  private readBound(what: string): string | null {
    if (this.peek() === '*') {
      const next = this.text[this.position + 1];
      if (next === undefined || /[\s\]}]/.test(next)) {
        this.position += 1;
        return null;
      }
    }
    return this.readLiteral(what);
  }

  /** A quoted string or a word (colons allowed), for ranges, comparisons and lists. */
  private readLiteral(what: string): string {
    if (this.atEnd() || /\s/.test(this.peek())) throw this.error(`expected ${what}`);
    if (this.peek() === '"') return this.readQuoted();
    if (WORD_BREAKS.has(this.peek())) throw this.error(`expected ${what} but found ${this.describeHere()}`);
    const word = this.readWord(true);
    return word.star ? `${word.text}*` : word.text;
  }

  private finishWord(field: string | null, word: Word): QueryNode {
    this.countClause(word.position);
    if (word.text === '' && word.star) {
      if (field !== null) return this.withBoost({ kind: 'exists', field, position: word.position });
      return this.withBoost({ kind: 'all' });
    }
    if (this.peek() === '~')
      throw this.error('fuzzy queries (word~) are not supported; use a prefix (word*)');
    const node: QueryNode = word.star
      ? { kind: 'prefix', field, prefix: word.text, position: word.position }
      : { kind: 'term', field, text: word.text, position: word.position };
    return this.withBoost(node);
  }

  private finishPhrase(field: string | null, text: string, start: number): QueryNode {
    this.countClause(start);
    if (text.trim() === '') throw this.errorAt(start, 'empty phrase');
    let slop = 0;
    if (this.peek() === '~') {
      this.position += 1;
      const digits = /^\d+/.exec(this.text.slice(this.position, this.position + 10));
      if (!digits) throw this.error("expected a whole number after '~'");
      slop = Number(digits[0]);
      if (slop > QUERY_LIMITS.maxSlop)
        throw this.error(`slop ${slop} is too large (at most ${QUERY_LIMITS.maxSlop})`);
      this.position += digits[0].length;
    }
    return this.withBoost({ kind: 'phrase', field, text, slop, position: start });
  }

  private withBoost(node: QueryNode): QueryNode {
    if (this.peek() !== '^') return node;
    this.position += 1;
    const match = /^\d+(\.\d+)?|^\.\d+/.exec(this.text.slice(this.position, this.position + 32));
    if (!match) throw this.error("expected a number after '^'");
    const boost = Number(match[0]);
    if (!(boost > 0) || boost > QUERY_LIMITS.maxBoost) {
      throw this.error(`boost must be greater than 0 and at most ${QUERY_LIMITS.maxBoost}`);
    }
    this.position += match[0].length;
    return { kind: 'boost', clause: node, boost };
  }

  /** Reads a word; `\` escapes any character; a trailing unescaped `*` marks a prefix. */
  private readWord(allowColon: boolean): Word {
    const start = this.position;
    let text = '';
    let star = false;
    while (!this.atEnd()) {
      const char = this.peek();
      if (/\s/.test(char) || WORD_BREAKS.has(char) || (!allowColon && char === ':')) break;
      star = false;
      if (char === '\\') {
        const escaped = this.text[this.position + 1];
        if (escaped === undefined) throw this.error("'\\' at the end of the query escapes nothing");
        text += escaped;
        this.position += 2;
        continue;
      }
      if (char === '*') {
        const next = this.text[this.position + 1];
        if (next === undefined || /\s/.test(next) || WORD_BREAKS.has(next) || (!allowColon && next === ':')) {
          star = true;
          this.position += 1;
          break;
        }
      }
      text += char;
      this.position += 1;
    }
    if (text === '' && !star) throw this.errorAt(start, `unexpected ${this.describeAt(start)}`);
    return { text, star, position: start };
  }

  /** Reads `"..."` starting at the opening quote; `\"` and `\\` are escapes. */
  private readQuoted(): string {
    const start = this.position;
    this.position += 1;
    let text = '';
    while (!this.atEnd()) {
      const char = this.peek();
      if (char === '"') {
        this.position += 1;
        return text;
      }
      if (char === '\\' && this.position + 1 < this.text.length) {
        text += this.text[this.position + 1] ?? '';
        this.position += 2;
        continue;
      }
      text += char;
      this.position += 1;
    }
    throw this.errorAt(start, 'the quote is never closed');
  }

  private nested<T>(parse: () => T): T {
    this.depth += 1;
    if (this.depth > QUERY_LIMITS.maxDepth) {
      throw this.error(`the query is nested too deeply (at most ${QUERY_LIMITS.maxDepth} levels)`);
    }
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private countClause(position: number): void {
    this.clauses += 1;
    if (this.clauses > QUERY_LIMITS.maxClauses) {
      throw this.errorAt(position, `the query has too many clauses (at most ${QUERY_LIMITS.maxClauses})`);
    }
  }

  private peekKeyword(keyword: 'AND' | 'OR' | 'NOT'): boolean {
    if (!this.text.startsWith(keyword, this.position)) return false;
    const next = this.text[this.position + keyword.length];
    return next === undefined || /\s/.test(next) || next === '(' || next === '"';
  }

  private skipSpace(): void {
    while (!this.atEnd() && /\s/.test(this.peek())) this.position += 1;
  }

  private peek(): string {
    return this.text[this.position] ?? '';
  }

  private atEnd(): boolean {
    return this.position >= this.text.length;
  }

  private describeHere(): string {
    return this.describeAt(this.position);
  }

  private describeAt(position: number): string {
    const char = this.text[position];
    return char === undefined ? 'end of query' : `'${char}'`;
  }

  private error(message: string): QuerySyntaxError {
    return this.errorAt(this.position, message);
  }

  private errorAt(position: number, message: string): QuerySyntaxError {
    return new QuerySyntaxError(message, Math.min(position, this.text.length), this.text.slice(0, 1000));
  }
}
