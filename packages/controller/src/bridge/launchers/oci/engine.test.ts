import { describe, expect, it } from 'vitest';
import { demuxLogs, explainEngineError } from './engine.js';

const socket = '/run/podman/podman.sock';

describe('explainEngineError', () => {
  it('names the socket when nothing answers there', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect', address: socket });
    expect(explainEngineError(refused, socket, 'img:1', 'abcdefgh').message).toMatch(/^no container engine answers on \/run\/podman\/podman\.sock \(ECONNREFUSED\)/);
  });

  it('tells how to build a missing image', () => {
    const missing = Object.assign(new Error('(HTTP code 404) no such image'), { statusCode: 404 });
    expect(explainEngineError(missing, socket, 'img:1', 'abcdefgh').message).toMatch(/has no image img:1: build it with/);
  });

  it('does not repeat the message of an error from elsewhere, which may quote a command line', () => {
    const other = Object.assign(new Error('Command failed: tool --password hunter2'), { code: 'ENOENT', syscall: 'spawn tool' });
    const explained = explainEngineError(other, socket, 'img:1', 'abcdefgh');
    expect(explained.message).toBe('could not start bridge abcdefgh');
    expect(explained.cause).toBe(other);
  });
});

describe('demuxLogs', () => {
  it('joins the payloads of multiplexed stdout and stderr frames', () => {
    const frame = (stream: number, text: string) => {
      const header = Buffer.alloc(8);
      header.writeUInt8(stream, 0);
      header.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([header, Buffer.from(text)]);
    };
    expect(demuxLogs(Buffer.concat([frame(1, 'Janus '), frame(2, 'started\n')]))).toBe('Janus started\n');
  });
});
