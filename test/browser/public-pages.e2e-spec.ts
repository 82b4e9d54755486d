import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/app-config';
import { createMember, createType, createWebhook, EVERY_DAY_NINE_TO_FIVE } from '../support/fixtures';
import { Receiver, verifyDelivery } from '../support/receiver';
import { freePort } from '../support/service-process';
import { ADMIN_KEY, freshDatabaseUrl } from '../support/test-app';

// The browser's own, in functions evaluated in the page (this project compiles without the DOM's types).
declare const document: { activeElement: unknown };
declare function getComputedStyle(element: unknown): { borderTopColor: string; backgroundColor: string };

const ARTIFACTS = join(__dirname, '..', 'artifacts');
const PHONE = { width: 390, height: 844 };

/** No horizontal scroll: the page is no wider than the phone. */
async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const width: number = await page.evaluate('document.documentElement.scrollWidth');
  expect(width).toBeLessThanOrEqual(PHONE.width);
}

describe('customer pages in a phone-sized browser (e2e)', () => {
  let app: Awaited<ReturnType<typeof createApp>>;
  let base: string;
  let receiver: Receiver;
  let secret: string;
  let browser: Browser;
  let context: BrowserContext;
  let editUrl: string;

  const deliveries = async (count: number) =>
    (await receiver.waitFor('/hook', count, 15_000)).map((delivery) => verifyDelivery(secret, delivery));

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    receiver = await Receiver.start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The site URL is this server, so the public_edit_url of the payload opens here.
    app = await createApp(
      loadConfig({
        DATABASE_URL: await freshDatabaseUrl(),
        ADMIN_API_KEY: ADMIN_KEY,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        SITE_URL: base,
        SITE_NAME: 'Riverside Clinic',
        WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      }),
    );
    await app.listen(port, '127.0.0.1');
    const http = () => request(base);
    const host = await createMember(http, {
      name: 'Ann Smith',
      display_name: 'Dr. Ann Smith',
      email: 'ann@clinic.example',
    });
    await createType(http, {
      title: 'First consultation',
      description: 'Thirty minutes to talk about what brings you here.',
      timezone: 'Europe/Berlin',
      availability: EVERY_DAY_NINE_TO_FIVE,
      team_member_ids: [host.id],
      price: 60,
      currency: 'EUR',
      web_meeting_url: 'https://meet.example.com/riverside-first-consultation-room',
      customer_fields: [
        { label: 'Phone', type: 'phone', required: true },
        { label: 'Reason for the visit', type: 'select', required: false, options: ['Check-up', 'Advice'] },
        { label: 'Notes', type: 'textarea', required: false },
        { label: 'Weight in kg', type: 'number', required: false },
      ],
    });
    secret = (await createWebhook(http, { title: 'CRM', url: receiver.url('/hook') })).secret;
    // A browser that cannot be found fails the suite here: it is never skipped.
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
      timezoneId: 'America/New_York',
      locale: 'en-US',
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
    await receiver?.close();
  });

  it('books a slot end to end on the booking page, and the receiver gets appointment_booked', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/book/first-consultation`);
    // The script detects the visitor's zone and shows the times in it.
    await page.waitForURL(/tz=America%2FNew_York/);
    expect(await page.locator('#tz').inputValue()).toBe('America/New_York');
    // The hint for visitors without script is gone.
    expect(await page.locator('#zone-hint').count()).toBe(0);
    await expectNoHorizontalScroll(page);
    await page.screenshot({ path: join(ARTIFACTS, 'booking-page.png'), fullPage: true });

    const time = page.locator('.times label').first();
    const chosen = (await time.textContent())?.trim();
    await time.click();
    await page.getByLabel('Name', { exact: true }).fill('Nathan Tyler');
    await page.getByLabel('Email', { exact: true }).fill('nathan@example.com');
    await page.getByLabel('Phone', { exact: true }).fill('+1 555 0100');
    await page.getByLabel('Reason for the visit (optional)').selectOption('Advice');
    // A decimal, as the server takes it: the browser's own check must not refuse it (a step of 1 would).
    await page.getByLabel('Weight in kg (optional)').fill('71.5');
    await page.screenshot({ path: join(ARTIFACTS, 'booking-form-filled.png'), fullPage: true });
    await page.getByRole('button', { name: 'Confirm booking' }).click();

    await page.waitForURL(/\/appointments\/change\/[^/?]+\?done=booked/);
    await expect(page.getByRole('heading', { name: 'Booking confirmed' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('main').textContent()).toContain(chosen);
    expect(await page.locator('a[href$="/calendar.ics"]').count()).toBe(1);
    await expectNoHorizontalScroll(page);
    await page.screenshot({ path: join(ARTIFACTS, 'booking-confirmed.png'), fullPage: true });

    const [booked] = await deliveries(1);
    expect(booked.action).toBe('appointment_booked');
    expect(booked.appointment.customer_information).toEqual({
      Name: 'Nathan Tyler',
      Email: 'nathan@example.com',
      Phone: '+1 555 0100',
      'Reason for the visit': 'Advice',
      'Weight in kg': 71.5,
    });
    expect(booked.appointment.customer_timezone).toBe('America/New_York');
    editUrl = booked.appointment.public_edit_url;
    expect(page.url().startsWith(editUrl)).toBe(true);
    await page.close();
  }, 120_000);

  it('reschedules and then cancels through public_edit_url, and the receiver hears both', async () => {
    expect(editUrl).toBeDefined();
    const page = await context.newPage();
    await page.goto(editUrl);
    await expect(page.getByRole('heading', { name: 'Your appointment' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('main').textContent()).toContain('Dr. Ann Smith');
    expect(await page.locator('a[href$="/calendar.ics"]').count()).toBe(1);
    await expectNoHorizontalScroll(page);
    await page.screenshot({ path: join(ARTIFACTS, 'change-page.png'), fullPage: true });

    await page.locator('.days a').nth(1).click();
    await page.locator('.times label').nth(2).click();
    await page.getByRole('button', { name: 'Move to this time' }).click();
    await page.waitForURL(/done=rescheduled/);
    await expect(page.getByText('Your appointment has been moved.').isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'change-rescheduled.png'), fullPage: true });
    const [, rescheduled] = await deliveries(2);
    expect(rescheduled.action).toBe('appointment_rescheduled');

    await page.getByRole('link', { name: 'Cancel appointment…' }).click();
    await expect(page.getByRole('heading', { name: 'Cancel this appointment?' }).isVisible()).resolves.toBe(
      true,
    );
    await expectNoHorizontalScroll(page);
    await page.screenshot({ path: join(ARTIFACTS, 'change-cancel-confirm.png'), fullPage: true });
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.waitForURL(/done=canceled/);
    await expect(page.getByRole('heading', { name: 'Canceled appointment' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('form').count()).toBe(0);
    expect(await page.locator('a[href$="/calendar.ics"]').count()).toBe(1);
    // Not a dead end: the way to book again.
    expect(await page.getByRole('link', { name: 'book a new time' }).getAttribute('href')).toMatch(
      /^\/book\//,
    );
    await expectNoHorizontalScroll(page);
    await page.screenshot({ path: join(ARTIFACTS, 'change-canceled.png'), fullPage: true });
    const [, , canceled] = await deliveries(3);
    expect(canceled.action).toBe('appointment_canceled');
    await page.close();
  }, 120_000);

  it('books with JavaScript turned off: plain form posts', async () => {
    const plain = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    try {
      const page = await plain.newPage();
      await page.goto(`${base}/book/first-consultation`);
      // No script: the times stay in the type's zone until the visitor picks another, and the page says so.
      expect(await page.locator('#tz').inputValue()).toBe('Europe/Berlin');
      await expect(
        page
          .getByText('Times are shown in Europe/Berlin. Pick your time zone and press Show times.')
          .isVisible(),
      ).resolves.toBe(true);
      await page.locator('#tz').selectOption('Asia/Tokyo');
      await page.getByRole('button', { name: 'Show times' }).click();
      await page.waitForURL(/tz=Asia%2FTokyo/);
      await page.locator('.days a').nth(2).click();
      await page.locator('.times label').first().click();
      await page.getByLabel('Name', { exact: true }).fill('No Script');
      await page.getByLabel('Email', { exact: true }).fill('noscript@example.com');
      await page.getByLabel('Phone', { exact: true }).fill('+81 3 1234 5678');
      await page.getByRole('button', { name: 'Confirm booking' }).click();
      await page.waitForURL(/done=booked&tz=Asia%2FTokyo/);
      await expect(page.getByRole('heading', { name: 'Booking confirmed' }).isVisible()).resolves.toBe(true);
      const [, , , booked] = await deliveries(4);
      expect(booked.action).toBe('appointment_booked');
      expect(booked.appointment.customer_timezone).toBe('Asia/Tokyo');
    } finally {
      await plain.close();
    }
  }, 120_000);
  it('keeps what the visitor typed when they pick another day or zone, and forgets it once booked', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/book/first-consultation?tz=America/New_York`);
    await page.getByLabel('Name', { exact: true }).fill('Dana Day');
    await page.getByLabel('Email', { exact: true }).fill('dana@example.com');
    await page.getByLabel('Phone', { exact: true }).fill('+1 555 0199');
    await page.getByLabel('Reason for the visit (optional)').selectOption('Check-up');
    await page.getByLabel('Notes (optional)').fill('Second floor, please.');
    const typed = async () => ({
      name: await page.getByLabel('Name', { exact: true }).inputValue(),
      email: await page.getByLabel('Email', { exact: true }).inputValue(),
      phone: await page.getByLabel('Phone', { exact: true }).inputValue(),
      reason: await page.getByLabel('Reason for the visit (optional)').inputValue(),
      notes: await page.getByLabel('Notes (optional)').inputValue(),
    });
    const expected = {
      name: 'Dana Day',
      email: 'dana@example.com',
      phone: '+1 555 0199',
      reason: 'Check-up',
      notes: 'Second floor, please.',
    };
    // Another day: a new page.
    const day = page.locator('.days a').nth(2);
    const date = new URL((await day.getAttribute('href'))!, base).searchParams.get('date');
    await day.click();
    await page.waitForURL(new RegExp(`date=${date}`));
    expect(await typed()).toEqual(expected);
    // Another zone: the script submits the zone form.
    await page.locator('#tz').selectOption('Asia/Tokyo');
    await page.waitForURL(/tz=Asia%2FTokyo/);
    expect(await typed()).toEqual(expected);
    // The day picked is kept across the zone change, when the new zone has it.
    expect(new URL(page.url()).searchParams.get('date')).toBe(date);
    // Back and Forward: the zone menu names the zone the times are in (the browser refilled it by position).
    await page.goBack();
    await page.waitForURL(/tz=America%2FNew_York/);
    expect(await page.locator('#tz').inputValue()).toBe('America/New_York');
    await page.goForward();
    await page.waitForURL(/tz=Asia%2FTokyo/);
    expect(await page.locator('#tz').inputValue()).toBe('Asia/Tokyo');
    expect(await typed()).toEqual(expected);

    await page.locator('.times label').first().click();
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.waitForURL(/done=booked/);
    const [, , , , booked] = await deliveries(5);
    expect(booked.appointment.customer_information).toMatchObject({
      Name: 'Dana Day',
      Notes: 'Second floor, please.',
    });
    // Back to the booking page (fetched again): no time is chosen that the visitor did not pick just now.
    await page.goBack();
    await page.waitForURL(/\/book\/first-consultation/);
    expect(await page.locator('.times input:checked').count()).toBe(0);
    // Nor the answers just booked (the browser refilled them): a second booking starts empty.
    expect(await typed()).toEqual({ name: '', email: '', phone: '', reason: '', notes: '' });
    // Booked: the next booking in this tab starts empty.
    await page.goto(`${base}/book/first-consultation?tz=Asia/Tokyo`);
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('');
    await page.close();
  }, 120_000);

  it('lets the keyboard move through the zone menu, and shows the times once Enter confirms a zone', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/book/first-consultation?tz=Europe/Berlin`);
    const url = page.url();
    await page.locator('#tz').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const picked = await page.locator('#tz').inputValue();
    expect(picked).not.toBe('Europe/Berlin');
    // Arrow keys only move through the list: still the same page, the menu still focused.
    await page.waitForTimeout(300);
    expect(page.url()).toBe(url);
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('tz');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`tz=${encodeURIComponent(picked)}`));
    expect(await page.locator('#tz').inputValue()).toBe(picked);
    await page.close();
  }, 60_000);

  it('shows the times in UTC to a browser whose clock is GMT, which reports its zone as +00:00', async () => {
    const gmt = await browser.newContext({ timezoneId: 'GMT', locale: 'en-US' });
    try {
      const page = await gmt.newPage();
      // Chromium 156 reports +00:00; a later one may say UTC, which the page takes as it is.
      const reported = await page.evaluate('Intl.DateTimeFormat().resolvedOptions().timeZone');
      expect(['+00:00', 'UTC']).toContain(reported);
      await page.goto(`${base}/book/first-consultation`);
      if (reported === '+00:00') await page.waitForURL(/tz=%2B00%3A00/);
      // The type's zone was shown, an hour off the visitor's clock.
      expect(await page.locator('#tz').inputValue()).toBe('UTC');
    } finally {
      await gmt.close();
    }
  }, 60_000);

  it('has no horizontal scroll at 390 px on either page, whatever the content', async () => {
    const page = await context.newPage();
    for (const path of [
      '/book/first-consultation?tz=America/Argentina/ComodRivadavia',
      '/book/first-consultation?tz=Pacific/Chatham',
      new URL(editUrl).pathname,
    ]) {
      await page.goto(`${base}${path}`);
      await expectNoHorizontalScroll(page);
    }
    await page.close();
  }, 60_000);

  it('marks the fields at fault and focuses the first of them, with borders visible against the page', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/book/first-consultation?tz=America/New_York`);
    await page.locator('.times label').first().click();
    await page.getByLabel('Name', { exact: true }).fill('Bob');
    await page.getByLabel('Email', { exact: true }).fill('bob@example');
    await page.getByLabel('Phone', { exact: true }).fill('call me');
    // The server's checks, not the browser's.
    await page.evaluate('document.querySelector("form[data-keep-details]").noValidate = true');
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.waitForSelector('[aria-invalid=true]');
    const email = page.getByLabel('Email', { exact: true });
    const phone = page.getByLabel('Phone', { exact: true });
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await phone.getAttribute('aria-invalid')).toBe('true');
    // The first field at fault has the focus: the message at the top may be a screen away from it.
    expect(await email.evaluate((element) => element === document.activeElement)).toBe(true);
    const borderOf = (locator: typeof email) =>
      locator.evaluate((element) => getComputedStyle(element).borderTopColor);
    expect(await borderOf(phone)).toBe('rgb(179, 38, 30)');
    // A field without fault has a border of 3:1 against the white page at least (WCAG 1.4.11).
    const plain = await borderOf(page.getByLabel('Name', { exact: true }));
    expect(contrastWithWhite(plain)).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(ARTIFACTS, 'booking-form-errors.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('leads Back after a refused post, then a booking or a move, to the page, not a form to resend', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/book/first-consultation?tz=America/New_York`);
    const day = page.locator('.days a').nth(1);
    const date = new URL((await day.getAttribute('href'))!, base).searchParams.get('date');
    await day.click();
    await page.waitForURL(new RegExp(`date=${date}`));
    await page.locator('.times label').first().click();
    await page.getByLabel('Name', { exact: true }).fill('Rita Return');
    await page.getByLabel('Email', { exact: true }).fill('rita@example.com');
    await page.getByLabel('Phone', { exact: true }).fill('call me');
    await page.evaluate('document.querySelector("form[data-keep-details]").noValidate = true');
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.waitForSelector('[aria-invalid=true]');
    // The refusal's page is at the address of what it shows: the same zone and day.
    const refused = new URL(page.url());
    expect([refused.pathname, refused.searchParams.get('tz'), refused.searchParams.get('date')]).toEqual([
      '/book/first-consultation',
      'America/New_York',
      date,
    ]);
    await page.getByLabel('Phone', { exact: true }).fill('+1 555 0142');
    await page.locator('.times label').first().click();
    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.waitForURL(/done=booked/);
    // Back: the booking page fetched again (a form to resend would be Chromium's error page, without it).
    const back = await page.goBack();
    expect(back?.status()).toBe(200);
    expect(back?.request().method()).toBe('GET');
    expect(await page.getByRole('heading', { name: 'First consultation' }).isVisible()).toBe(true);
    expect(new URL(page.url()).searchParams.get('date')).toBe(date);
    expect(await page.locator('[aria-invalid=true]').count()).toBe(0);

    // The same on the change page: a move refused (no time picked), then one made, then Back.
    await page.goForward();
    await page.waitForURL(/done=booked/);
    const changePath = new URL(page.url()).pathname;
    await page.evaluate('document.querySelectorAll("form").forEach((form) => { form.noValidate = true })');
    await page.getByRole('button', { name: 'Move to this time' }).click();
    await page.getByText('Please pick a time.').waitFor();
    const refusedMove = new URL(page.url());
    expect([refusedMove.pathname, refusedMove.searchParams.get('tz')]).toEqual([
      changePath,
      'America/New_York',
    ]);
    await page.locator('.times label').nth(1).click();
    await page.getByRole('button', { name: 'Move to this time' }).click();
    await page.waitForURL(/done=rescheduled/);
    const backToChange = await page.goBack();
    expect([backToChange?.status(), backToChange?.request().method()]).toEqual([200, 'GET']);
    expect(new URL(page.url()).pathname).toBe(changePath);
    expect(await page.getByText('Please pick a time.').count()).toBe(0);
    await page.close();
  }, 60_000);

  it('shows the chosen day and time in forced colours (high contrast) too', async () => {
    const forced = await browser.newContext({ viewport: PHONE, forcedColors: 'active' });
    try {
      const page = await forced.newPage();
      await page.goto(`${base}/book/first-consultation?tz=America/New_York`);
      const times = page.locator('.times label');
      await times.first().click();
      const background = (locator: typeof times) =>
        locator.evaluate((element) => getComputedStyle(element).backgroundColor);
      const chosenTime = times.first().locator('span');
      const otherTime = times.nth(1).locator('span');
      expect(await background(chosenTime)).not.toBe(await background(otherTime));
      const chosenDay = page.locator('.days a[aria-current=date]');
      const otherDay = page.locator('.days a:not([aria-current])').first();
      expect(await background(chosenDay)).not.toBe(await background(otherDay));
      await page.screenshot({ path: join(ARTIFACTS, 'booking-page-forced-colors.png'), fullPage: true });
    } finally {
      await forced.close();
    }
  }, 60_000);
});

/** The contrast ratio of a computed `rgb(r, g, b)` colour against white. */
function contrastWithWhite(color: string): number {
  const [r, g, b] = (color.match(/\d+/g) ?? []).slice(0, 3).map((channel) => {
    const c = Number(channel) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
}
