import { SSA_ACTIONS, type SsaAction } from './payload/ssa-payload';

export const WEBHOOK_TRIGGERS = SSA_ACTIONS;
export type WebhookTrigger = SsaAction;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
