/**
 * h5wasm (HDF5 compiled to WebAssembly; ESM only, so loaded with a real dynamic import), loaded once for
 * the readers and the HDF5 writer, with HDF5's error stack thrown as exceptions instead of printed.
 */
export type H5 = typeof import('h5wasm/node', { with: { 'resolution-mode': 'import' } });
export type H5Group = InstanceType<H5['Group']>;
export type H5Dataset = InstanceType<H5['Dataset']>;

let loading: Promise<H5> | undefined;

/** h5wasm, loaded once, with HDF5 errors thrown as exceptions instead of printed to stderr. */
export function loadH5(): Promise<H5> {
  loading ??= (async () => {
    const m = (await import('h5wasm/node')) as H5;
    const mod = (await m.ready) as unknown as { activate_throwing_error_handler(): number };
    mod.activate_throwing_error_handler();
    return m;
  })();
  return loading;
}

/** The innermost line of an HDF5 error stack: the actual reason ("truncated file: eof = …"). */
export function h5Reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const frames = msg.split('\n').filter((l) => /#\d+:/.test(l));
  const last = frames.length ? frames[frames.length - 1].replace(/^.*?\(\):\s*/, '') : msg.split('\n')[0];
  return last.trim();
}

