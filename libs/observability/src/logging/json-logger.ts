import { LoggerService, LogLevel } from '@nestjs/common';

export type JsonLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface JsonLoggerOptions {
  service: string;
  instance: string;
  /** Lowest level written (default info). */
  level?: JsonLogLevel;
  /** Where lines go (default stdout); tests pass a collector. */
  write?: (line: string) => void;
}

const rank: Record<JsonLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Nest's levels onto ours: `log` is info, `verbose` is debug, `fatal` is error.
const fromNest: Record<LogLevel, JsonLogLevel> = {
  verbose: 'debug',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
};

/**
 * Nest logger writing one JSON object per line: time, level, service, instance, context, msg
 * and any extra fields. `logger.log({ msg: 'relay started', batch: 100 })` puts `batch` at the
 * top level, so log pipelines can filter on it without parsing the message.
 */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;
  private readonly write: (line: string) => void;

  constructor(private readonly options: JsonLoggerOptions) {
    this.threshold = rank[options.level ?? 'info'];
    this.write = options.write ?? ((line) => process.stdout.write(line + '\n'));
  }

  isEnabled(level: JsonLogLevel): boolean {
    return rank[level] >= this.threshold;
  }

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.emit('log', message, optionalParams);
  }
  error(message: unknown, ...optionalParams: unknown[]): void {
    this.emit('error', message, optionalParams);
  }
  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.emit('warn', message, optionalParams);
  }
  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.emit('debug', message, optionalParams);
  }
  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.emit('verbose', message, optionalParams);
  }
  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.emit('fatal', message, optionalParams);
  }

  private emit(nestLevel: LogLevel, message: unknown, params: unknown[]): void {
    const level = fromNest[nestLevel];
    if (!this.isEnabled(level)) return;
    const rest = [...params];
    // Nest passes the context as the last string argument, and for errors the stack before it.
    let context: string | undefined;
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') context = rest.pop() as string;
    let stack: string | undefined;
    if (level === 'error' && rest.length > 0 && (typeof rest[0] === 'string' || rest[0] === undefined)) {
      stack = rest.shift() as string | undefined;
    }
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      service: this.options.service,
      instance: this.options.instance,
    };
    if (context) entry['context'] = context;
    Object.assign(entry, describe(message));
    for (const extra of rest) {
      if (extra && typeof extra === 'object' && !(extra instanceof Error)) Object.assign(entry, extra);
      else if (extra instanceof Error) entry['err'] = errorFields(extra);
    }
    if (stack) entry['stack'] = stack;
    this.write(safeStringify(entry));
  }
}

function describe(message: unknown): Record<string, unknown> {
  if (message instanceof Error) return { msg: message.message, err: errorFields(message) };
  if (message && typeof message === 'object') {
    const fields = { ...(message as Record<string, unknown>) };
    if (!('msg' in fields)) {
      if (typeof fields['message'] === 'string') {
        fields['msg'] = fields['message'];
        delete fields['message'];
      } else fields['msg'] = '';
    }
    for (const [key, value] of Object.entries(fields)) {
      if (value instanceof Error) fields[key] = errorFields(value);
    }
    return fields;
  }
  return { msg: String(message) };
}

function errorFields(error: Error): Record<string, unknown> {
  return { name: error.name, message: error.message, stack: error.stack };
}

function safeStringify(entry: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(entry, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value && typeof value === 'object') {
      if (seen.has(value)) return '[circular]';
      seen.add(value);
    }
    return value;
  });
}
