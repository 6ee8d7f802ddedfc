import type { DestinationStream } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import pretty from 'pino-pretty';
import type { AppConfig } from '../config/config';

/** How log lines are written: one coloured line for a person at a terminal, or one JSON object per line. */
export type LogFormat = 'pretty' | 'json';

/** `LOG_FORMAT`: `auto` (the default) is `pretty` when stdout is a terminal and `json` otherwise. */
export function resolveLogFormat(setting: AppConfig['logFormat'], stdoutIsTty: boolean): LogFormat {
  switch (setting) {
    case 'auto':
      return stdoutIsTty ? 'pretty' : 'json';
    case 'pretty':
    case 'json':
      return setting;
  }
}

/** Where pino writes for {@link LogFormat}: a pino-pretty stream, or undefined for pino's own JSON on stdout. */
export function logDestination(
  config: Pick<AppConfig, 'logFormat'>,
  stdout: NodeJS.WriteStream = process.stdout,
): DestinationStream | undefined {
  const tty = stdout.isTTY === true;
  if (resolveLogFormat(config.logFormat, tty) === 'json') return undefined;
  // In-process rather than a transport worker: a person reads these, so their throughput does not matter, and the
  // last lines before an exit are never lost in a worker's buffer.
  return pretty({
    destination: stdout,
    sync: true,
    // Colours only for a terminal: LOG_FORMAT=pretty into a file stays plain text.
    colorize: tty,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
}

/**
 * nestjs-pino's `pinoHttp` parameter for `options` under `config.logFormat`: the options alone (JSON on stdout) or
 * with the pretty destination.
 */
export function pinoHttpParams(
  config: Pick<AppConfig, 'logFormat'>,
  options: PinoHttpOptions,
  stdout?: NodeJS.WriteStream,
): PinoHttpOptions | [PinoHttpOptions, DestinationStream] {
  const destination = logDestination(config, stdout);
  return destination ? [options, destination] : options;
}
