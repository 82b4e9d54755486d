import { createMember, createType, createWebhook, NINE_TO_FIVE } from './support/fixtures';
import { Receiver, ReceivedRequest, verifyDelivery } from './support/receiver';
import { AUTH, freshDatabaseUrl, startTestApp, TestApp } from './support/test-app';

/** The whole path: REST booking lifecycle → domain events → outbox → SSA payload → signed HTTP delivery. */
describe('booking lifecycle to webhook receiver (e2e)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let secret: string;
  let token: string;
  let typeId: number;

  const verify = (request: ReceivedRequest) => verifyDelivery(secret, request);

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp({ databaseUrl: await freshDatabaseUrl() });
    typeId = (
      await createType(t, {
        title: 'Consultation',
        duration: 60,
        timezone: 'Europe/Berlin',
        availability: { monday: NINE_TO_FIVE },
        price: 80,
        customer_fields: [{ label: 'Phone', type: 'phone', required: false }],
      })
    ).id;
    const host = await createMember(t, { name: 'Dr. Ann', email: 'ann@clinic.example', wp_user_id: 7 });
    await t
      .http()
      .patch(`/api/v1/appointment-types/${typeId}`)
      .set(AUTH)
      .send({ team_member_ids: [host.id] })
      .expect(200);
    ({ secret, token } = await createWebhook(t, { title: 'CRM', url: receiver.url('/crm') }));
  });

  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('delivers booked, edited, rescheduled and canceled for one appointment, in order, verifiable', async () => {
    const bookedAt = Date.now();
    const booked = await t
      .http()
      .post('/api/v1/appointments')
      .set(AUTH)
      .send({
        appointment_type_id: typeId,
        start_date: '2030-01-07T10:00:00+01:00',
        customer_information: { Name: 'Nathan Tyler', Email: 'nathan@example.com', Phone: '+49 30 123456' },
        customer_timezone: 'America/New_York',
      })
      .expect(201);
    const [first] = await receiver.waitFor('/crm', 1, 1000);
    expect(first.at - bookedAt).toBeLessThan(1000);
    const body = verify(first);
    expect(body).toMatchObject({
      action: 'appointment_booked',
      action_verb: 'booked',
      signature: { token, site_name: 'Test Site', site_url: 'https://booking.example.com' },
      appointment: {
        id: String(booked.body.id),
        appointment_type_id: String(typeId),
        appointment_type_slug: 'consultation',
        appointment_type_title: 'Consultation',
        customer_id: String(booked.body.customer_id),
        customer_information: { Name: 'Nathan Tyler', Email: 'nathan@example.com', Phone: '+49 30 123456' },
        customer_timezone: 'America/New_York',
        start_date: '2030-01-07 09:00:00',
        end_date: '2030-01-07 10:00:00',
        status: 'booked',
        public_edit_url: booked.body.public_edit_url,
        price_full: 80,
        payment_method: '',
        local_time_for: {
          appointment_type: {
            raw: { start_date: '2030-01-07 10:00:00', end_date: '2030-01-07 11:00:00' },
            formatted: {
              start_date: 'January 7, 2030 10:00 am CET',
              end_date: 'January 7, 2030 11:00 am CET',
            },
          },
        },
      },
      team_members: [
        {
          id: booked.body.team_member_ids[0],
          wp_user_id: 7,
          name: 'Dr. Ann',
          display_name: 'Dr. Ann',
          email: 'ann@clinic.example',
        },
      ],
    });

    const id = booked.body.id;
    await t
      .http()
      .patch(`/api/v1/appointments/${id}`)
      .set(AUTH)
      .send({ customer_information: { Name: 'Nathan T.', Email: 'nathan@example.com' } })
      .expect(200);
    await t
      .http()
      .patch(`/api/v1/appointments/${id}`)
      .set(AUTH)
      .send({ start_date: '2030-01-07T14:00:00+01:00' })
      .expect(200);
    await t.http().post(`/api/v1/appointments/${id}/cancel`).set(AUTH).expect(200);

    const all = await receiver.waitFor('/crm', 4, 3000);
    const bodies = all.map(verify);
    expect(bodies.map((b) => b.action)).toEqual([
      'appointment_booked',
      'appointment_edited',
      'appointment_rescheduled',
      'appointment_canceled',
    ]);
    expect(bodies[1].data_before).toEqual({
      customer_information: { Name: 'Nathan Tyler', Email: 'nathan@example.com', Phone: '+49 30 123456' },
    });
    expect(bodies[1].appointment.customer_information).toEqual({
      Name: 'Nathan T.',
      Email: 'nathan@example.com',
    });
    expect(bodies[2].rescheduled_from_start_date).toBe('2030-01-07 09:00:00');
    expect(bodies[2].appointment.start_date).toBe('2030-01-07 13:00:00');
    expect(bodies[3].appointment.status).toBe('canceled');
    expect(new Set(all.map((r) => r.headers['webhook-id'])).size).toBe(4);
  });
});
