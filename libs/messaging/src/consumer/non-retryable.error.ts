/**
 * Thrown by a handler for an event that no retry can fix (a business rule refuses it): the event
 * goes to the dead-letter topic at once, with this message as the reason.
 */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = NonRetryableError.name;
  }
}
