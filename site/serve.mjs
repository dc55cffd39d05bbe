#!/usr/bin/env node
/**
 * `npm start`: builds the site if its sources changed since the last build, then serves dist/
 * on http://127.0.0.1:4321/ (or $PORT; the next free port if that one is taken).
 */
import { fileURLToPath } from 'node:url';
import { distDir, ensureBuilt } from './tools/build-freshness.mjs';
import { startStaticServer } from './tools/static-server.mjs';

const MIN_NODE = [22, 12];
const projectRoot = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    console.error(
      `Node ${process.versions.node} is too old: the workbook needs Node >= ${MIN_NODE.join('.')} (Astro 7 does). ` +
        'Install a current Node (https://nodejs.org) and run npm start again.',
    );
    process.exit(1);
  }
}

async function listen(port) {
  try {
    return await startStaticServer({ root: distDir(projectRoot), port });
  } catch (error) {
    if (error?.code !== 'EADDRINUSE') throw error;
    console.log(`Port ${port} is in use; picking a free one.`);
    return startStaticServer({ root: distDir(projectRoot), port: 0 });
  }
}

checkNode();
try {
  await ensureBuilt({ projectRoot });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const server = await listen(Number(process.env.PORT ?? 4321));
console.log(`\nSystems Workbook is being served at ${server.url}\nPress Ctrl+C to stop.`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close().then(() => process.exit(0)));
}
