import { Foundation1764190000000 } from './1764190000000-foundation';
import { TeamMembersCustomers1764190000001 } from './1764190000001-team-members-customers';
import { Appointments1764190000002 } from './1764190000002-appointments';
import { Webhooks1764190000003 } from './1764190000003-webhooks';
import { OutboxStreams1764190000010 } from './1764190000010-outbox-streams';
import { AnnouncedBookedManualDeliveries1764190000013 } from './1764190000013-announced-booked-manual-deliveries';
import { AppointmentSequence1764190000014 } from './1764190000014-appointment-sequence';
import { IdempotencyKeys1764190000015 } from './1764190000015-idempotency-keys';
import { Schedules1764190000016 } from './1764190000016-schedules';
import { WebhookEventBodies1764190000030 } from './1764190000030-webhook-event-bodies';
import { DeliveryIndexes1764190000031 } from './1764190000031-delivery-indexes';
import { AppointmentBusyIndex1764190000032 } from './1764190000032-appointment-busy-index';
import { AnnouncedEnd1764190000033 } from './1764190000033-announced-end';

export const MIGRATIONS = [
  Foundation1764190000000,
  TeamMembersCustomers1764190000001,
  Appointments1764190000002,
  Webhooks1764190000003,
  OutboxStreams1764190000010,
  AnnouncedBookedManualDeliveries1764190000013,
  AppointmentSequence1764190000014,
  IdempotencyKeys1764190000015,
  Schedules1764190000016,
  WebhookEventBodies1764190000030,
  DeliveryIndexes1764190000031,
  AppointmentBusyIndex1764190000032,
  AnnouncedEnd1764190000033,
];
