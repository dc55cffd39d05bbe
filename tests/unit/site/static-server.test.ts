/** The static server behind npm start, the e2e tests and the benchmarks (site/tools/static-server.mjs). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer } from '../../../site/tools/static-server.mjs';

let root = '';
let server: Awaited<ReturnType<typeof startStaticServer>>;

/** A raw GET, so paths like /../ reach the server unnormalised. */
function get(path: string): Promise<{ status: number; type?: string; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], location: res.headers.location, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'static-server-'));
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'wal', 'log-records'), { recursive: true });
  mkdirSync(join(dist, '_astro'));
  writeFileSync(join(dist, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(dist, '404.html'), '<h1>Page not found</h1>');
  writeFileSync(join(dist, 'wal', 'log-records', 'index.html'), '<h1>lesson</h1>');
  writeFileSync(join(dist, '_astro', 'app.js'), 'export {};');
  writeFileSync(join(dist, '_astro', 'app.css'), 'body{}');
  writeFileSync(join(dist, '.build-stamp'), 'now');
  writeFileSync(join(root, 'secret.txt'), 'outside the root');
  server = await startStaticServer({ root: dist });
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('static server', () => {
  it('serves index.html for a directory and files with their content type', async () => {
    expect(await get('/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<h1>home</h1>' });
    expect(await get('/wal/log-records/')).toMatchObject({ status: 200, body: '<h1>lesson</h1>' });
    expect(await get('/_astro/app.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(await get('/_astro/app.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
  });

  it('redirects a directory without its trailing slash', async () => {
    expect(await get('/wal/log-records?x=1')).toMatchObject({ status: 301, location: '/wal/log-records/?x=1' });
  });

  it('answers unknown paths with 404.html and status 404', async () => {
    expect(await get('/nope/')).toMatchObject({ status: 404, body: '<h1>Page not found</h1>' });
  });

  it('never serves dotfiles or anything outside the root', async () => {
    expect((await get('/.build-stamp')).status).toBe(404);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/_astro/..%2f..%2fsecret.txt', '/%E0%A4%A']) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain('outside the root');
    }
  });

  it('picks a free port when asked for port 0, and reports the URL', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });
});
