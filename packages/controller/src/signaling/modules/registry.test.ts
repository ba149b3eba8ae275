import { controlNamespace, signalingNamespaces } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { signalingModules } from './registry.js';

describe('the module registry', () => {
  it('has one module for every namespace of the protocol but control (the session serves that), in the protocol’s order', () => {
    const expected = signalingNamespaces.map((definition) => definition.name).filter((name) => name !== controlNamespace);
    expect(signalingModules.map((module) => module.namespace)).toEqual(expected);
  });

  it('parses each module’s commands with its namespace’s command schema', () => {
    for (const module of signalingModules) {
      expect(module.commandSchema, module.namespace).toBe(signalingNamespaces.find((definition) => definition.name === module.namespace)?.commands);
    }
  });
});
