import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The media test page and the fake bridge of its own test, bundled as the web client is (the
 * protocol from its source). The controller's tests build it with `build.outDir` of their
 * choosing (`buildMediaPage` in packages/controller/src/test-support/mediaParticipant.ts); `dist/` here otherwise.
 * Not minified, so that stack traces in failures read like the source.
 */
export default defineConfig({
  root: here('.'),
  base: './',
  logLevel: 'warn',
  resolve: { alias: { '@plenum/protocol': here('../../../protocol/src/index.ts') } },
  // The shipped client's production build, also when the test runner's NODE_ENV is `test`.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
    rolldownOptions: { input: { page: here('page.html'), fakeBridge: here('fakeBridge.html') } },
  },
});
