/**
 * kafkajs 2.2.4 keeps every connection's request queue in a 1 ms timer loop once its first
 * response has arrived (tulios/kafkajs#1556, #1704; the fix, #1667, is not released):
 * `scheduleCheckPendingRequests` arms a timer even when nothing is pending and the broker is not
 * throttling, with a negative delay (Node makes it 1 ms), and the timer's callback arms the next
 * one. An idle service thus woke up about 1,400 times a second: 40-70 ms of CPU per second per
 * process doing nothing (measured on the reimbursements service: 1,440 epoll wake-ups/s and
 * 40-70 ms/s idle before, 87/s and 10-20 ms/s with this patch).
 *
 * The patch skips only that useless case: with no request pending and no throttle in force
 * there is nothing for the check to send; a request that cannot be sent at once is pushed to
 * `pending` and schedules its own check, a throttle schedules one for when it ends, and every
 * response fulfilled re-checks the queue, exactly as before.
 */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

// kafkajs exports no type for its internal module; the shape used is the one above.
const RequestQueue = require('kafkajs/src/network/requestQueue') as {
  prototype: RequestQueueInternals & { __dmpIdleLoopFixed?: boolean };
};

export function applyKafkajsIdleLoopFix(): void {
  const prototype = RequestQueue.prototype;
  if (prototype.__dmpIdleLoopFixed) return;
  const original = prototype.scheduleCheckPendingRequests;
  prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals): void {
    if (this.pending.length === 0 && !(this.throttledUntil > Date.now())) return;
    original.call(this);
  };
  prototype.__dmpIdleLoopFixed = true;
}

applyKafkajsIdleLoopFix();
