/**
 * A small static file server for the built site (dist/), used by `npm start`, the end-to-end
 * tests and the benchmarks. It serves what a plain static host would: files by path,
 * `index.html` for directories, `404.html` when nothing matches, never anything outside the
 * root and never dotfiles.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Starts serving `root` on `host:port` (port 0 picks a free one).
 * @param {{ root: string, port?: number, host?: string }} options
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startStaticServer({ root, port = 0, host = '127.0.0.1' }) {
  const rootDir = normalize(root).replace(/[\\/]+$/, '');
  const server = createServer((req, res) => {
    handle(rootDir, req, res).catch((error) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Internal error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host}:${actualPort}/`,
    port: actualPort,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

/** @param {string} rootDir @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
async function handle(rootDir, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    res.end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  let pathname;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return send404(rootDir, req, res);
  }
  if (pathname.split('/').some((part) => part.startsWith('.'))) return send404(rootDir, req, res);
  const filePath = normalize(join(rootDir, pathname));
  if (filePath !== rootDir && !filePath.startsWith(rootDir + sep)) return send404(rootDir, req, res);

  const info = await stat(filePath).catch(() => undefined);
  if (info?.isDirectory()) {
    if (!pathname.endsWith('/')) {
      res.writeHead(301, { location: `${pathname}/${url.search}` });
      res.end();
      return;
    }
    const index = join(filePath, 'index.html');
    const indexInfo = await stat(index).catch(() => undefined);
    if (indexInfo?.isFile()) return sendFile(req, res, index, indexInfo.size, 200);
    return send404(rootDir, req, res);
  }
  if (info?.isFile()) return sendFile(req, res, filePath, info.size, 200);
  return send404(rootDir, req, res);
}

async function send404(rootDir, req, res) {
  const page = join(rootDir, '404.html');
  const info = await stat(page).catch(() => undefined);
  if (info?.isFile()) return sendFile(req, res, page, info.size, 404);
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found');
}

function sendFile(req, res, filePath, size, status) {
  res.writeHead(status, {
    'content-type': CONTENT_TYPES[extname(filePath).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    // Local serving: always revalidate, so a rebuild shows up on reload.
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(filePath).pipe(res);
}
