// Builds the web UI into web/dist, which `moda serve` serves (src/server/web-ui.ts).
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** The module a repo page needs beyond the entry: the card's Markdown renderer. */
const REPO_PAGE_MODULE = '/src/repo/render-card.ts';

/**
 * Names the hashed file of REPO_PAGE_MODULE's chunk in index.html (a <meta>), so the page's inline
 * early-fetch script can preload it on a repo page while the entry script runs, instead of after.
 */
function repoPageModuleMeta(): Plugin {
  return {
    name: 'moda-repo-page-module',
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        if (context.bundle === undefined) return; // the dev server has no chunks
        const chunk = Object.values(context.bundle).find((output) => output.type === 'chunk' && output.facadeModuleId?.endsWith(REPO_PAGE_MODULE));
        if (chunk === undefined) throw new Error(`no chunk for ${REPO_PAGE_MODULE}: is it still imported dynamically?`);
        return [{ tag: 'meta', attrs: { name: 'moda-repo-page-module', content: `/${chunk.fileName}` }, injectTo: 'head-prepend' }];
      },
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react(), repoPageModuleMeta()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, target: 'es2022' },
  // `npm run dev:web`-style use: proxy the API to a local `moda serve`.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
