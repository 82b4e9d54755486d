import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppointmentTypesModule } from './appointment-types/appointment-types.module';
import { AppointmentsModule } from './appointments/appointments.module';
import { BlackoutsModule } from './blackouts/blackouts.module';
import { AdminAuthGuard } from './common/auth/admin-auth.guard';
import { OutboxModule } from './outbox/outbox.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CustomersModule } from './customers/customers.module';
import { DatabaseModule } from './database/database.module';
import { dataSourceOptions } from './database/data-source-options';
import { runMigrations } from './database/run-migrations';
import { isPermanentConnectionError } from './database/startup-error';
import { HealthModule } from './health/health.module';
import { PublicModule } from './public/public.module';
import { RetentionModule } from './retention/retention.module';
import { TeamMembersModule } from './team-members/team-members.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(config.database),
            autoLoadEntities: true,
            // A missing database or refused credentials fail the start at once; a server not up yet is retried.
            toRetry: (error: unknown) => !isPermanentConnectionError(error),
          }),
          // Connected, then migrated: on PostgreSQL by one instance at a time (see runMigrations).
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            try {
              await runMigrations(dataSource);
            } catch (error) {
              await dataSource.destroy();
              throw error;
            }
            return dataSource;
          },
        }),
        DatabaseModule,
        OutboxModule,
        HealthModule,
        AppointmentTypesModule,
        TeamMembersModule,
        CustomersModule,
        BlackoutsModule,
        AppointmentsModule,
        WebhooksModule,
        PublicModule,
        RetentionModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: AdminAuthGuard }],
    };
  }
}
