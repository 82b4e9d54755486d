import { Injectable } from '@nestjs/common';
import type { AppointmentTypeDto } from '../appointment-types/dto/appointment-type.dto';
import { AppointmentTypesService } from '../appointment-types/appointment-types.service';
import { DomainError } from '../common/errors/domain-error';
import { Transaction } from '../database/transactions';
import { TeamMembersService } from '../team-members/team-members.service';
import { toSlotRules } from './appointment.mapper';
import { AppointmentsRepository, LONGEST_BUFFER_MINUTES } from './appointments.repository';
import { checkSlot, loadMarginMs, SlotCheck, SlotRules } from './availability/slot-engine';
import type { ScheduleRules } from './availability/schedule';
import { DAY_MS, MINUTE_MS } from './availability/wall-clock';
import { ScheduleInputs } from './schedule-inputs';

export interface PlacementRequest {
  start: number;
  /** Hosts asked for explicitly; otherwise the current ones are kept when free, or the type picks one. */
  requestedHostIds?: number[];
  currentHostIds?: number[];
  ignoreAvailability: boolean;
  ignoreAppointmentId?: number;
}

/** Checks a slot at the request's start for the given hosts (none: the type's own calendar). */
type Check = (hostIds: number[]) => Promise<SlotCheck>;

/** Where an appointment goes: which hosts take it at its start, under every booking rule. */
@Injectable()
export class AppointmentPlacement {
  constructor(
    private readonly appointmentTypes: AppointmentTypesService,
    private readonly appointments: AppointmentsRepository,
    private readonly teamMembers: TeamMembersService,
    private readonly schedules: ScheduleInputs,
  ) {}

  /**
   * Decides the hosts of an appointment at `start`, enforcing every booking rule unless told to ignore them:
   * 422 slot_not_offered for a start the type does not offer, 409 slot_unavailable for a taken one. Runs in
   * `tx`, and holds the type's and the hosts' locks until it commits.
   */
  async place(tx: Transaction, type: AppointmentTypeDto, request: PlacementRequest): Promise<number[]> {
    const typeHosts = await this.teamMembers.activeIds(type.team_member_ids);
    const { hosts, activeAfterLock } = await this.placeOnce(tx, type, request, typeHosts);
    // A host of the type deleted (or made inactive) while this waited for the locks: the delete's clean-up of
    // future appointments ran before this commits and would miss it. Placed again among the hosts it locked that
    // are left (a host it did not lock would be locked after the type's lock, against the order of the others).
    const active = new Set(await activeAfterLock);
    if (hosts.every((id) => active.has(id) || !typeHosts.includes(id))) return hosts;
    return (
      await this.placeOnce(
        tx,
        type,
        request,
        typeHosts.filter((id) => active.has(id)),
      )
    ).hosts;
  }

  private async placeOnce(
    tx: Transaction,
    type: AppointmentTypeDto,
    request: PlacementRequest,
    typeHosts: number[],
  ): Promise<{ hosts: number[]; activeAfterLock: Promise<number[]> }> {
    // An empty list asks for no particular host: the type chooses, as when the field is left out.
    const requested = request.requestedHostIds?.length ? request.requestedHostIds : undefined;
    const current = request.currentHostIds ?? [];
    const hostKeys = [...typeHosts, ...(requested ?? []), ...current].map((id) => `member:${id}`);
    // The reads are sent behind the lock without waiting for it: PostgreSQL runs a connection's statements in
    // order, each with a snapshot taken once the one before it finished, so they see every booking committed
    // before the lock was granted. The lock is held for one round trip of reads rather than three.
    // The type was read before the lock: a delete that held the lock first has removed it meanwhile.
    const locked = Promise.all([
      tx.lockKeys([`type:${type.id}`, ...hostKeys]),
      this.appointmentTypes.exists(type.id),
      this.schedules.load({
        typeId: type.id,
        hostIds: [...new Set([...typeHosts, ...(requested ?? []), ...current])],
        from: request.start,
        to: request.start + type.duration * MINUTE_MS,
      }),
    ]).then(([, exists, schedules]) => {
      if (!exists) throw unknownType(type.id);
      return schedules;
    });
    // Sent behind the lock too: which of the type's hosts are still active once it is granted.
    const activeAfterLock = this.teamMembers.activeIds(typeHosts);
    // Awaited by `place` unless the placement fails first: a failure of its own is then no one's to hear.
    activeAfterLock.catch(() => undefined);
    const check = this.checker(type, typeHosts, request, locked);
    const hosts = request.ignoreAvailability
      ? await hostsIgnoringRules(check, typeHosts, requested, current, locked)
      : await placeByRules(check, typeHosts, requested, current);
    return { hosts, activeAfterLock };
  }

  private checker(
    type: AppointmentTypeDto,
    typeHosts: number[],
    request: PlacementRequest,
    locked: Promise<ScheduleRules>,
  ): Check {
    // Ignoring availability also ignores the draft status: the pick still prefers the least busy host.
    const rules: SlotRules = {
      ...toSlotRules(type, typeHosts),
      ...(request.ignoreAvailability && { draft: false }),
    };
    return async (hostIds) => {
      const scoped: SlotRules = { ...rules, hostIds };
      // A daily cap or a choice between hosts counts the whole local date of the start: a day either side
      // more. Otherwise only the appointments whose time with buffers reaches the slot's matter, and the
      // database leaves out the others in the range. The range needs the type alone, not its schedules, so
      // the query goes out before the lock is granted (see place).
      const wholeDay = scoped.maxEventCount > 0 || hostIds.length > 1;
      const margin = loadMarginMs(scoped, LONGEST_BUFFER_MINUTES) + (wholeDay ? DAY_MS : 0);
      const busy = this.appointments.busy({
        typeId: type.id,
        hostIds,
        from: request.start - margin,
        to: request.start + margin,
        ...(!wholeDay && {
          reach: {
            from: request.start - scoped.bufferBefore * MINUTE_MS,
            to: request.start + (scoped.duration + scoped.bufferAfter) * MINUTE_MS,
          },
        }),
      });
      const [schedules, appointments] = await Promise.all([locked, busy]);
      return checkSlot({ ...scoped, ...schedules }, request.start, appointments, Date.now(), {
        ignoreAppointmentId: request.ignoreAppointmentId,
      });
    };
  }
}

/** The hosts of a placement that ignores the rules: those asked for, else the current ones, else the type's pick. */
async function hostsIgnoringRules(
  check: Check,
  typeHosts: number[],
  requested: number[] | undefined,
  current: number[],
  locked: Promise<unknown>,
): Promise<number[]> {
  await locked;
  if (requested) return sorted(requested);
  if (current.length > 0 || typeHosts.length === 0) return sorted(current);
  const picked = await check(typeHosts);
  return [picked.ok && picked.hostId !== null ? picked.hostId : typeHosts[0]];
}

async function placeByRules(
  check: Check,
  typeHosts: number[],
  requested: number[] | undefined,
  current: number[],
): Promise<number[]> {
  const assertFree = async (hostIds: number[]): Promise<void> => {
    for (const hostId of hostIds) assertPlaced(await check([hostId]));
  };
  if (typeHosts.length === 0) {
    // The type is its own calendar; hosts named on top of it must be free as well.
    assertPlaced(await check([]));
    const named = requested ?? current;
    await assertFree(named);
    return sorted(named);
  }
  if (requested) {
    await assertFree(requested);
    return sorted(requested);
  }
  if (current.length > 0 && (await allFree(check, current))) return sorted(current);
  const result = assertPlaced(await check(typeHosts));
  return result.hostId === null ? [] : [result.hostId];
}

async function allFree(check: Check, hostIds: number[]): Promise<boolean> {
  for (const hostId of hostIds) if (!(await check([hostId])).ok) return false;
  return true;
}

/** The slot check's verdict as the API reports a refusal. */
export function assertPlaced(check: SlotCheck): { ok: true; hostId: number | null } {
  if (check.ok) return check;
  if (check.reason === 'appointment_type_not_published') {
    throw new DomainError(
      'appointment_type_not_published',
      'this appointment type is a draft and takes no bookings (publish it, or book with ignore_availability)',
    );
  }
  if (check.reason === 'slot_not_offered') {
    throw new DomainError(
      'slot_not_offered',
      "that start is not offered by this appointment type (in the past, off its grid, outside its hours or its hosts' hours, with no host active, within its notice, beyond its horizon, or in a blackout)",
    );
  }
  throw new DomainError('slot_unavailable', 'that slot is no longer available');
}

function sorted(ids: number[]): number[] {
  return [...ids].sort((a, b) => a - b);
}

function unknownType(id: number): DomainError {
  return DomainError.invalidField('appointment_type_id', `appointment type ${id} does not exist`);
}
