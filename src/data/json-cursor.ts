/**
 * A small JSON scanner over bytes for the JSON reader: values are parsed where they stand (numbers straight
 * to doubles, no object tree), containers can be skipped with full syntax checking, and every syntax
 * error says where it is (line, column, byte) and what was expected.
 */
import { DataError } from './errors';
import { parseCellText, scanEnd, scanNumber } from './number-parse';

export enum C {
  LBRACK = 91,
  RBRACK = 93,
  LBRACE = 123,
  RBRACE = 125,
  COMMA = 44,
  COLON = 58,
  QUOTE = 34,
}

export class Cursor {
  p = 0;
  constructor(
    readonly b: Buffer,
    readonly file: string,
  ) {}

  ws(): number {
    const b = this.b;
    let p = this.p;
    while (p < b.length) {
      const c = b[p];
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
      p++;
    }
    this.p = p;
    return p < b.length ? b[p] : -1;
  }

  where(at = this.p): string {
    let line = 1;
    let last = -1;
    for (let i = 0; i < at && i < this.b.length; i++) {
      if (this.b[i] === 10) {
        line++;
        last = i;
      }
    }
    return `line ${line}, column ${at - last} (byte ${at})`;
  }

  syntax(expected: string, at = this.p): DataError {
    const found = at >= this.b.length ? 'the end of the file (truncated?)' : `'${this.b.toString('utf8', at, Math.min(this.b.length, at + 12)).split('\n')[0]}'`;
    return new DataError(this.file, 'json-syntax', `JSON syntax error at ${this.where(at)}: expected ${expected}, found ${found}`);
  }

  expect(ch: number, what: string): void {
    if (this.ws() !== ch) throw this.syntax(what);
    this.p++;
  }

  /** After an element: true if another follows (a comma was eaten), false at the closing bracket. */
  more(close: number, ctx: string): boolean {
    const c = this.ws();
    if (c === C.COMMA) {
      this.p++;
      return true;
    }
    if (c === close) {
      this.p++;
      return false;
    }
    throw this.syntax(`',' or '${String.fromCharCode(close)}' after ${ctx}`);
  }

  string(): string {
    if (this.ws() !== C.QUOTE) throw this.syntax('a string');
    const b = this.b;
    const s = this.p;
    let p = s + 1;
    let esc = false;
    while (p < b.length && b[p] !== C.QUOTE) {
      if (b[p] === 92) {
        esc = true;
        p++;
      }
      p++;
    }
    if (p >= b.length) throw this.syntax("a closing '\"'", s);
    this.p = p + 1;
    if (!esc) return b.toString('utf8', s + 1, p);
    try {
      return JSON.parse(b.toString('utf8', s, p + 1)) as string;
    } catch {
      throw this.syntax('a valid string escape', s);
    }
  }

  private word(w: string): boolean {
    const b = this.b;
    for (let i = 0; i < w.length; i++) if (b[this.p + i] !== w.charCodeAt(i)) return false;
    const after = b[this.p + w.length];
    if (after !== undefined && /[A-Za-z0-9_]/.test(String.fromCharCode(after))) return false;
    this.p += w.length;
    return true;
  }

  /** One cell. `what` (row/column) goes into messages about values that are not numbers. */
  number(row: number, column: string | number): number {
    const c = this.ws();
    const b = this.b;
    if ((c >= 48 && c <= 57) || c === 45) {
      if (c === 45 && b[this.p + 1] === 73) {
        if (this.p++ && this.word('Infinity')) return -Infinity;
        throw this.syntax('a value', this.p - 1);
      }
      const v = scanNumber(b, this.p, b.length, false);
      if (scanEnd === this.p) throw this.syntax('a number');
      this.p = scanEnd;
      return v;
    }
    if (c === C.QUOTE) {
      const at = this.p;
      const s = this.string();
      const v = parseCellText(s, false);
      if (v === undefined) throw new DataError(this.file, 'not-numeric', `'${s.length > 40 ? s.slice(0, 40) + '…' : s}' is not a number (${this.where(at)})`, { row, column });
      return v;
    }
    if (this.word('null')) return NaN;
    if (this.word('NaN')) return NaN;
    if (this.word('Infinity')) return Infinity;
    if (this.word('true')) return 1;
    if (this.word('false')) return 0;
    if (c === C.LBRACK || c === C.LBRACE) {
      throw new DataError(this.file, 'not-numeric', `${c === C.LBRACK ? 'an array' : 'an object'} where a number belongs (${this.where()})`, { row, column });
    }
    throw this.syntax('a value');
  }

  /** Skips any value, checking its syntax (iteratively, so deep nesting cannot overflow the stack). */
  skip(): void {
    const stack: number[] = [];
    for (;;) {
      const c = this.ws();
      if (c === C.LBRACK || c === C.LBRACE) {
        this.p++;
        const close = c === C.LBRACK ? C.RBRACK : C.RBRACE;
        if (this.ws() === close) this.p++;
        else {
          stack.push(close);
          if (close === C.RBRACE) {
            this.string();
            this.expect(C.COLON, "':' after a key");
          }
          continue;
        }
      } else if (c === C.QUOTE) this.string();
      else this.number(0, 0);
      // Close finished containers.
      for (;;) {
        if (stack.length === 0) return;
        const close = stack[stack.length - 1];
        if (this.more(close, close === C.RBRACK ? 'an array element' : 'an object member')) {
          if (close === C.RBRACE) {
            this.string();
            this.expect(C.COLON, "':' after a key");
          }
          break;
        }
        stack.pop();
      }
    }
  }

  end(): void {
    if (this.ws() !== -1) throw this.syntax('the end of the file after the JSON value');
  }
}
