// Preview only: a static file server for webview/dev.html on 127.0.0.1 (files under webview/, media/ and
// out/webview-dev/ only). Usage: node webview/dev/serve.mjs [port]  → open http://127.0.0.1:PORT/webview/dev.html
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const ALLOWED = ['/webview/', '/media/', '/out/webview-dev/'];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.svg': 'image/svg+xml', '.png': 'image/png', '.map': 'application/json' };

export function serve(port = 0) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const rel = path.posix.normalize(decodeURIComponent(url.pathname));
    const file = path.join(root, rel);
    if (!ALLOWED.some((p) => rel.startsWith(p)) || !file.startsWith(root + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await serve(Number(process.argv[2] ?? 5178));
  console.log(`preview: http://127.0.0.1:${server.address().port}/webview/dev.html?theme=dark&mode=static`);
}
