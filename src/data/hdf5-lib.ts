/**
 * h5wasm (HDF5 compiled to WebAssembly; ESM only, so loaded with a real dynamic import), loaded once for
 * the readers and the HDF5 writer, with HDF5's error stack thrown as exceptions instead of printed, and
 * with the compression filters of h5wasm-plugins that files from h5py / PyTables / hdf5plugin use.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type H5 = typeof import('h5wasm/node', { with: { 'resolution-mode': 'import' } });
export type H5Group = InstanceType<H5['Group']>;
export type H5Dataset = InstanceType<H5['Dataset']>;

/**
 * The HDF5 filter plugins Flowmorph ships (h5wasm-plugins' libH5Z<name>.so, WebAssembly side modules):
 * scripts/bundle.mjs copies these into dist/h5plugins/. gzip, shuffle, fletcher32, szip, nbit and
 * scale-offset are built into h5wasm.
 */
export const H5_PLUGINS = ['lzf', 'blosc', 'bshuf', 'bz2', 'lz4', 'zstd'] as const;
/** What a user reads in an error: the filters above plus the built-in ones. */
export const H5_FILTERS_READ = 'gzip, shuffle, szip, LZF, Blosc, bitshuffle, bzip2, LZ4, Zstandard';

/**
 * The folder with the plugins: dist/h5plugins beside a bundle; in a development build (out/), a folder
 * under the temporary directory holding the same plugins copied from node_modules/h5wasm-plugins, so a
 * development run reads exactly the filters a VSIX reads. undefined when neither is there.
 */
export function h5PluginDir(): string | undefined {
  const bundled = path.join(__dirname, 'h5plugins');
  if (fs.existsSync(path.join(bundled, `libH5Z${H5_PLUGINS[0]}.so`))) return bundled;
  let dir = __dirname;
  for (let i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const src = path.join(dir, 'node_modules', 'h5wasm-plugins', 'plugins');
    if (!fs.existsSync(src)) continue;
    const dst = path.join(os.tmpdir(), `flowmorph-h5plugins-${process.getuid?.() ?? 'u'}`);
    fs.mkdirSync(dst, { recursive: true });
    for (const p of H5_PLUGINS) {
      const f = `libH5Z${p}.so`;
      const to = path.join(dst, f);
      const from = path.join(src, f);
      if (!fs.existsSync(to) || fs.statSync(to).size !== fs.statSync(from).size) {
        const tmp = `${to}.${process.pid}.tmp`;
        fs.copyFileSync(from, tmp);
        fs.renameSync(tmp, to);
      }
    }
    return dst;
  }
  return undefined;
}

let loading: Promise<H5> | undefined;

/** h5wasm, loaded once, with HDF5 errors thrown as exceptions instead of printed to stderr. */
export function loadH5(): Promise<H5> {
  loading ??= (async () => {
    const m = (await import('h5wasm/node')) as H5;
    const mod = (await m.ready) as unknown as { activate_throwing_error_handler(): number; insert_plugin_search_path(p: string, i: number): void };
    mod.activate_throwing_error_handler();
    // h5wasm's Node build works on the real file system, so the plugins are loaded from where they lie.
    const plugins = h5PluginDir();
    if (plugins) mod.insert_plugin_search_path(plugins, 0);
    return m;
  })();
  return loading;
}

/**
 * The reason an HDF5 call failed, from its error stack: a missing compression filter by name ("it is
 * compressed with the 'jpeg' filter, which Flowmorph cannot decompress …"), else the innermost line
 * ("truncated file: eof = …"). HDF5 reports a missing filter with lines about its plugin folders below
 * the one that names it; those say nothing to a user.
 */
export function h5Reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const filter = /required filter '([^']*)' is not registered/.exec(msg);
  if (filter) {
    // Plugin-registered names carry a link after ';' ("HDF5 jpeg filter; see https://…").
    const name = filter[1].split(';')[0].trim() || 'unknown';
    return `its data is compressed with the HDF5 filter '${name}', which Flowmorph cannot decompress (it reads ${H5_FILTERS_READ}); re-save it with one of those (in h5py: compression="gzip" or "lzf")`;
  }
  const frames = msg.split('\n').filter((l) => /#\d+:/.test(l));
  const last = frames.length ? frames[frames.length - 1].replace(/^.*?\(\):\s*/, '') : msg.split('\n')[0];
  return last.trim();
}
