import { PassThrough } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../config/config';
import { logDestination, resolveLogFormat } from './log-format';

/** A stdout stand-in that records what is written to it. */
function fakeStdout(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough();
  let written = '';
  stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
  Object.assign(stream, { isTTY });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => written };
}

describe('log format', () => {
  it('follows the terminal by default and the configuration when it says', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT/);
  });

  it('writes one coloured line on a terminal, and leaves JSON to pino elsewhere', () => {
    const tty = fakeStdout(true);
    const destination = logDestination(loadConfig({}), tty.stream);
    expect(destination).toBeDefined();
    pino({ base: { pid: 1, hostname: 'h' } }, destination).info({ context: 'Search', n: 1 }, 'ready');
    const line = tty.text();
    expect(line.split('\n').filter(Boolean)).toHaveLength(1);
    expect(line).toContain('\u001b['); // ANSI colour
    // eslint-disable-next-line no-control-regex
    const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/INFO.*\[Search\] ready.*"n":1/);
    expect(plain).not.toContain('hostname');

    expect(logDestination(loadConfig({}), fakeStdout(false).stream)).toBeUndefined();
  });

  it('stays plain text when pretty is asked for outside a terminal', () => {
    const file = fakeStdout(false);
    pino(logDestination(loadConfig({ LOG_FORMAT: 'pretty' }), file.stream)).warn('slow');
    expect(file.text()).toMatch(/WARN.*slow/);
    expect(file.text()).not.toContain('\u001b[');
  });
});
