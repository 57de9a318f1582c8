/**
 * Version of the decision logic in this library. Bump it with any change in how a decision is
 * reached (a new rule, a changed precedence): every decision and every trace line carries it, so
 * "why could X see Y on date Z" is answered with the rules that were in force then.
 * The matrix carries its own version; a decision's `rulesVersion` combines both.
 */
export const ACCESS_RULES_VERSION = '1.0.0';
