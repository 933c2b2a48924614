import { ruleProblem, type FieldRule } from '../config/experiment';

/**
 * A small, strict argument parser: positional words, `--flag value`, `--flag=value`, `--switch`.
 * Unknown flags are errors (a typo must not silently train with defaults).
 */
/** A flag or argument error: exit code 2 (data, model and file errors exit 1). */
export class UsageError extends Error {}

export interface Parsed {
  command: string;
  positional: string[];
  flags: Record<string, string | boolean>;
}

/** Flags that take no value. */
const SWITCHES = new Set(['json', 'help', 'anneal', 'identity-init', 'no-identity-init', 'inverse', 'resume', 'drop-non-finite', 'quiet', 'header']);

export function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h') flags.help = true;
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (SWITCHES.has(name)) {
        if (eq >= 0) throw new UsageError(`--${name} takes no value`);
        flags[name] = true;
      } else if (eq >= 0) flags[name] = a.slice(eq + 1);
      else {
        const v = argv[++i];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
        flags[name] = v;
      }
    } else positional.push(a);
  }
  const command = positional.shift() ?? 'help';
  return { command, positional, flags };
}

/** Refuses positional arguments beyond the `max` a command takes (a second DATA would be ignored). */
export function checkPositional(p: Parsed, max: number, what: string): void {
  if (p.positional.length > max) throw new UsageError(`unexpected argument '${p.positional[max]}': '${p.command}' takes ${max === 0 ? 'no arguments' : what}`);
}

/** Reads typed flag values and rejects any flag the command does not know. */
export class Flags {
  private readonly used = new Set<string>(['json', 'help', 'backend', 'quiet']);
  constructor(private readonly p: Parsed) {}

  str(name: string): string | undefined {
    this.used.add(name);
    const v = this.p.flags[name];
    if (v === true) throw new UsageError(`--${name} needs a value`);
    return v as string | undefined;
  }

  req(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw new UsageError(`missing --${name}`);
    return v;
  }

  num(name: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
    const s = this.str(name);
    if (s === undefined) return undefined;
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got '${s}'`);
    if (opts.int && !Number.isInteger(v)) throw new UsageError(`--${name} must be a whole number, got '${s}'`);
    if (opts.min !== undefined && v < opts.min) throw new UsageError(`--${name} must be ≥ ${opts.min}, got ${v}`);
    if (opts.max !== undefined && v > opts.max) throw new UsageError(`--${name} must be ≤ ${opts.max}, got ${v}`);
    return v;
  }

  /**
   * A setting's value checked against its rule in the experiment schema's rule table
   * (src/config/experiment.ts): the CLI's limits are the experiment file's and the designer's.
   */
  rule(name: string, rule: FieldRule): string | number | boolean | undefined {
    if (rule.kind === 'bool') return this.bool(name) || undefined;
    const s = this.str(name);
    if (s === undefined) return undefined;
    if (rule.kind === 'enum') {
      if (!rule.options.includes(s)) throw new UsageError(`--${name} must be one of ${rule.options.join(', ')}; got '${s}'`);
      return s;
    }
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got '${s}'`);
    const p = ruleProblem(rule, v);
    if (p) throw new UsageError(`--${name}: ${p}, got ${s}`);
    return v;
  }

  bool(name: string): boolean {
    this.used.add(name);
    return this.p.flags[name] === true;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const s = this.str(name);
    if (s === undefined) return undefined;
    if (!values.includes(s as T)) throw new UsageError(`--${name} must be one of ${values.join(', ')}; got '${s}'`);
    return s as T;
  }

  /** Comma-separated column names or 0-based indices. */
  columns(name: string): (string | number)[] | undefined {
    const s = this.str(name);
    if (s === undefined) return undefined;
    return s
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c.length > 0)
      .map((c) => (/^\d+$/.test(c) ? Number(c) : c));
  }

  /** Call after reading every flag: unknown flags are an error. */
  done(): void {
    for (const k of Object.keys(this.p.flags)) if (!this.used.has(k)) throw new UsageError(`unknown option --${k} for '${this.p.command}'`);
  }
}
