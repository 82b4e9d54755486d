import { IdempotencyModule } from '../idempotency/idempotency.module';
import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppointmentTypesModule } from '../appointment-types/appointment-types.module';
import { AppointmentsModule } from '../appointments/appointments.module';
import { AppConfig } from '../config/app-config';
import { CsrfTokens } from './pages/csrf';
import { HomeController } from './pages/home.controller';
import { PagesController } from './pages/pages.controller';
import { PublicApiController } from './public-api.controller';
import { PublicBookingService } from './public-booking.service';
import { PublicRateLimitGuard, rateLimits } from './rate-limit.guard';

/**
 * What customers reach without the admin key: the public API under /api/v1/public, the booking page
 * /book/:slug, the change page behind public_edit_url, and the page at /. Rate-limited per client IP (in memory, per
 * instance). It books, moves and cancels only through the appointments module's service.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({ inject: [AppConfig], useFactory: rateLimits }),
    AppointmentTypesModule,
    AppointmentsModule,
    IdempotencyModule,
  ],
  controllers: [PublicApiController, PagesController, HomeController],
  providers: [PublicBookingService, PublicRateLimitGuard, CsrfTokens],
})
export class PublicModule {}
