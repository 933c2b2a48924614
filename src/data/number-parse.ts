/**
 * Decimal numbers straight from bytes, without making a string per cell: the CSV reader's inner loop.
 *
 * Exact path (Clinger 1990, "How to read floating point numbers accurately"): with at most 15 significant
 * digits the mantissa is an exact double, and so is 10^k for k ≤ 22, so one multiply or divide gives the
 * correctly rounded double — the same double parseFloat gives.
 * Long mantissas (Python's repr and numpy's '%.18e' write 16–19 digits) take an approximate path: the
 * double is within a few ulp (~1e-15 relative) of the true value, and the data layer only keeps float32,
 * so if every double within 2^-44 relative of it rounds to the same float32, that float32 is the one
 * Math.fround(parseFloat(text)) gives. Only cells within 2^-44 of a float32 rounding boundary (about one
 * in 2^20) pay for parseFloat. Either way every stored value equals Math.fround(parseFloat(text)).
 */

const POW10 = new Float64Array(23).map((_, i) => 10 ** i);
const UP = 1 + 2 ** -44;
const DOWN = 1 - 2 ** -44;

/** Where the last scanNumber call stopped (just after the number's last byte). */
export let scanEnd = 0;

/**
 * Parses `[+-]digits[.digits][(e|E)[+-]digits]` starting at p, stopping at the first byte that cannot
 * continue it (the caller checks that this byte is a delimiter). Returns NaN with scanEnd = p when no
 * number starts here. `comma` also accepts ',' as the decimal mark (files with ';' or tab delimiters).
 */
export function scanNumber(b: Uint8Array, p: number, end: number, comma: boolean): number {
  const start = p;
  let neg = false;
  let c = b[p];
  if (c === 45 || c === 43) {
    neg = c === 45;
    p++;
  }
  let m = 0;
  let digits = 0; // significant digits taken into m
  let run = 0; // digits of the current run: before the mark, then after it
  let intDigits = -1; // the digits before the mark, once the mark is passed
  let lead = true; // still in leading zeros (they are not significant)
  while (p < end) {
    const c = b[p];
    const d = c - 48;
    if (d < 0 || d > 9) {
      if (intDigits >= 0 || !(c === 46 || (comma && c === 44))) break;
      intDigits = run; // the decimal mark: the digits that follow are the fraction's
      run = 0;
      p++;
      continue;
    }
    if (!(lead && d === 0)) {
      lead = false;
      m = m * 10 + d;
      digits++;
    }
    run++;
    p++;
  }
  const frac = intDigits >= 0 ? run : 0; // digits after the mark
  if (intDigits < 0) intDigits = run;
  if (intDigits + frac === 0) {
    scanEnd = start;
    return NaN;
  }
  let e = 0;
  if (p < end && (b[p] === 101 || b[p] === 69)) {
    let q = p + 1;
    let eneg = false;
    if (q < end && (b[q] === 45 || b[q] === 43)) {
      eneg = b[q] === 45;
      q++;
    }
    const q0 = q;
    while (q < end) {
      const d = b[q] - 48;
      if (d < 0 || d > 9) break;
      if (e < 100000) e = e * 10 + d;
      q++;
    }
    if (q === q0) {
      // "1e" or "1e+": no number here; the caller's slow path reports the cell.
      scanEnd = start;
      return NaN;
    }
    if (eneg) e = -e;
    p = q;
  }
  scanEnd = p;
  const k = e - frac;
  let v: number;
  if (digits <= 15 && k >= -22 && k <= 22) v = k < 0 ? m / POW10[-k] : m * POW10[k];
  else if (digits === 0) v = 0;
  else {
    v = NaN;
    // k > 22 means |value| ≥ 1e23 (rare, and overflow messages should show the exact double).
    if (digits <= 30 && k >= -300 && k <= 22) {
      const a = k < 0 ? m / (k >= -22 ? POW10[-k] : Math.pow(10, -k)) : m * POW10[k];
      const f = Math.fround(a);
      if (Math.fround(a * UP) === f && Math.fround(a * DOWN) === f) v = a;
    }
    if (v !== v) v = parseFloat(latin1(b, neg || b[start] === 43 ? start + 1 : start, p, comma));
  }
  return neg ? -v : v;
}

function latin1(b: Uint8Array, s: number, e: number, comma: boolean): string {
  let t = '';
  for (let i = s; i < e; i++) t += String.fromCharCode(comma && b[i] === 44 ? 46 : b[i]);
  return t;
}

const MISSING = new Set(['', 'na', 'n/a', 'nan', '-nan', '+nan', 'null', 'none', '<na>', '#n/a']);
const POS_INF = new Set(['inf', '+inf', 'infinity', '+infinity']);
const NEG_INF = new Set(['-inf', '-infinity']);
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A cell's text as a number: decimals, NaN / missing markers (empty, NA, N/A, nan, null, None — pandas'
 * defaults) as NaN, inf / infinity as ±Infinity. Returns undefined for anything else (a name, a typo).
 */
export function parseCellText(text: string, comma: boolean): number | undefined {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (MISSING.has(lower)) return NaN;
  if (POS_INF.has(lower)) return Infinity;
  if (NEG_INF.has(lower)) return -Infinity;
  const s = comma && !t.includes('.') ? t.replace(',', '.') : t;
  return DECIMAL.test(s) ? parseFloat(s) : undefined;
}
