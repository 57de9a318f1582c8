// Structured JSON-lines logger: one object per line on stderr (stdout stays free for the
// CLI's "broker ready" line). `quiet` keeps only warnings and errors (tests).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface BrokerLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createJsonLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l),
): BrokerLogger {
  const min = rank[level];
  const log = (lvl: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (rank[lvl] < min) return;
    let line: string;
    try {
      line = JSON.stringify({
        time: new Date().toISOString(),
        level: lvl,
        component: 'embedded-kafka',
        message,
        ...fields,
      });
    } catch {
      line = JSON.stringify({
        time: new Date().toISOString(),
        level: lvl,
        component: 'embedded-kafka',
        message,
      });
    }
    write(line + '\n');
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}
