export interface ConfigProblem {
  /** The environment variable, e.g. `PORT`. */
  variable: string;
  reason: string;
}

/**
 * Bad configuration: the boot stops with one line per bad variable. The stack is replaced by
 * the message, so an uncaught ConfigError prints as a readable list rather than a trace.
 */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.reason}`).join('\n')}`);
    this.name = ConfigError.name;
    this.stack = `${this.name}: ${this.message}`;
  }
}
