import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from './schema.js';

describe('docs/configuration.md', () => {
  it('documents every setting the schema accepts', () => {
    const doc = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
    for (const key of Object.keys(configSchema.shape)) expect(doc, key).toContain(`\`${key}\``);
  });
});
