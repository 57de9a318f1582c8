import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * Lets the sender worker of this instance start at once when something was queued, instead of
 * waiting for its next poll. Only a latency hint: the poll (and other instances' polls) is what
 * guarantees delivery.
 */
@Injectable()
export class NotificationWakeUp {
  private listener: (() => void) | null = null;

  onWake(listener: () => void): void {
    this.listener = listener;
  }

  /** Wakes the worker once the current transaction has committed (a little later is harmless). */
  afterCommit(_manager: EntityManager): void {
    const listener = this.listener;
    if (listener) setTimeout(listener, 5).unref();
  }
}
