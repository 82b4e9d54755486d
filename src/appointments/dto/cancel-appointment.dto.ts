/**
 * A cancellation takes no fields; declaring the (empty) body lets validation refuse any that is sent
 * (`reason`, say) instead of dropping it unseen.
 */
export class CancelAppointmentDto {}
