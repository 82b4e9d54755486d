/**
 * Routes that take no fields; declaring the (empty) body lets validation refuse any that is sent instead of
 * dropping it unseen (a client that sends `{"secret": "…"}` to rotate-secret learns it is not taken).
 */
export class RotateSecretDto {}

export class RedeliverDto {}
