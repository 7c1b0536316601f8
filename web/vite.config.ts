// Builds the web UI into web/dist, which `moda serve` serves (src/server/web-ui.ts).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, target: 'es2022' },
  // `npm run dev:web`-style use: proxy the API to a local `moda serve`.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
