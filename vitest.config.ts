import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const allTests = ['packages/*/src/**/*.test.{ts,tsx}', 'packages/*/test/**/*.test.{ts,tsx}'];

/**
 * Files that drive Chromium (most of them against real Janus bridges), named `*.browser.test.ts`.
 * Two of them at once overload a two-core machine until media stalls, so they run one after
 * another, beside the rest.
 */
const browserTests = ['packages/*/{src,test}/**/*.browser.test.{ts,tsx}'];

export default defineConfig({
  resolve: {
    // Tests run against the protocol's source, so they need no build first.
    alias: { '@plenum/protocol': fileURLToPath(new URL('packages/protocol/src/index.ts', import.meta.url)) },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'browser', include: browserTests, fileParallelism: false } },
      { extends: true, test: { name: 'other', include: allTests, exclude: [...configDefaults.exclude, ...browserTests] } },
    ],
  },
});
