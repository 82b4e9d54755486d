/**
 * The body of a route that takes no fields (a cancellation, a rotation of a secret, a redelivery): declaring
 * it, empty, lets validation refuse any field that is sent (`reason`, `secret`…) instead of dropping it unseen.
 * No body at all, and `{}`, pass.
 */
export class NoFieldsDto {}
