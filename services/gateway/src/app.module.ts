import { createSecretKey } from 'node:crypto';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createServiceDataSource } from '@kanta/database';
import { BrokerConnection, DirectEventPublisher, MessagingModule } from '@kanta/messaging';
import { createLogger } from '@kanta/platform';
import { AccessTokens } from './auth/access-tokens';
import { AccessRecorder } from './audit/access-recorder';
import { AuditController } from './audit/audit.controller';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { AuthService } from './auth/auth.service';
import { IdentityService } from './auth/identity.service';
import { LoginThrottle } from './auth/login-throttle';
import { PartnerGate } from './partner/partner-gate';
import { PasswordHasher } from './auth/password-hasher';
import type { GatewayConfig } from './config';
import { ConsentsController } from './consents/consents.controller';
import { ConsentsService } from './consents/consents.service';
import { CoreModule } from './core/core.module';
import {
  CustomerGroupsController,
  CustomerSourcesController,
} from './customers/customer-labels.controller';
import { CustomersController } from './customers/customers.controller';
import { CustomersService } from './customers/customers.service';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DeadLettersGateway } from './dead-letters/dead-letters.service';
import { DuplicatesController } from './customers/duplicates.controller';
import { GATEWAY_SCHEMA, gatewaySchema } from './database/schema';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { RemindersController } from './reminders/reminders.controller';
import { RemindersService } from './reminders/reminders.service';
import { IdentityRepository } from './identity/identity.repository';
import { StationsController } from './identity/stations.controller';
import { StationsRepository } from './identity/stations.repository';
import { StationsService } from './identity/stations.service';
import { StationAnnouncer } from './identity/station-announcer';
import { SuperadminBootstrap } from './identity/superadmin-bootstrap';
import { TenantsController } from './identity/tenants.controller';
import { TenantsRepository } from './identity/tenants.repository';
import { TenantsService } from './identity/tenants.service';
import { TenantUsers } from './identity/tenant-users';
import { UsersController } from './identity/users.controller';
import { UsersRepository } from './identity/users.repository';
import { UsersService } from './identity/users.service';
import { PartnerController } from './partner/partner.controller';
import { DeletionRequestsController } from './privacy/deletion-requests.controller';
import { GatewayErasure } from './privacy/gateway-erasure';
import { PrivacyController } from './privacy/privacy.controller';
import { DataExportsController } from './privacy/data-exports.controller';
import { RetentionController } from './privacy/retention.controller';
import { ReportsController } from './reporting/reports.controller';
import { IMPORT_MAX_BYTES, ImportsController } from './customers/imports.controller';
import { PartnerEvents } from './partner/partner-events';
import { PartnerKeys } from './partner/partner-keys';
import { CustomerRecordsController } from './vehicles/customer-records.controller';
import { VehiclesController } from './vehicles/vehicles.controller';
import { VisitsController } from './vehicles/visits.controller';

/** The gateway as one module, built from a configuration so tests can boot it in-process. */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const dataSource = createServiceDataSource({
      ...gatewaySchema,
      settings: config.database.runtime,
      poolSize: 10,
      applicationName: 'kanta-gateway',
    });
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        TypeOrmModule.forRoot({ ...dataSource.options, retryAttempts: 1, retryDelay: 1000 }),
        // The outbox and relay of partner events received over HTTP; the one event the gateway
        // consumes is the erasure request (GatewayErasure).
        MessagingModule.forRoot({
          service: 'gateway',
          schema: GATEWAY_SCHEMA,
          amqpUrl: config.amqpUrl,
          eventsExchange: config.eventsExchange,
          queuePrefix: config.eventsQueuePrefix,
          logger: createLogger('gateway.messaging', config.logLevel),
          // Start soon without the broker (RPCs answer 503 meanwhile); the relay connects later.
          startupTimeoutMs: 2000,
          // What no queue is bound for becomes a dead letter an admin can see (reason unroutable).
          keepUnroutable: true,
          // A partner's booking carries the person's contact details and nothing that names the
          // customer: once the services have it, the gateway keeps no copy an erasure could miss.
          // Access records are ids only, but a copy of the audit in the gateway is of no use once
          // the privacy service has it; nor are a few rows a second worth keeping for days.
          relay: { forgetPublished: ['partner.', 'gateway.access.'] },
        }),
        JwtModule.register({
          // A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as
          // a public key on every verify, which cost a sixth of the gateway's CPU under load.
          secret: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')),
          signOptions: { expiresIn: config.jwtExpiresInSeconds, algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        }),
      ],
      controllers: [
        AuthController,
        TenantsController,
        StationsController,
        UsersController,
        // Before CustomersController: its customers/:id would take "duplicates" for an id.
        DuplicatesController,
        CustomersController,
        PrivacyController,
        DataExportsController,
        DeletionRequestsController,
        RetentionController,
        ReportsController,
        ImportsController,
        AuditController,
        CustomerGroupsController,
        CustomerSourcesController,
        ConsentsController,
        RemindersController,
        CustomerRecordsController,
        VehiclesController,
        VisitsController,
        PartnerController,
        DeadLettersController,
        HealthController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: IMPORT_MAX_BYTES, useValue: config.importMaxBytes },
        AccessTokens,
        IdentityRepository,
        IdentityService,
        PasswordHasher,
        LoginThrottle,
        AuthService,
        TenantsRepository,
        TenantsService,
        StationsRepository,
        StationsService,
        StationAnnouncer,
        UsersRepository,
        UsersService,
        TenantUsers,
        SuperadminBootstrap,
        CustomersService,
        ConsentsService,
        RemindersService,
        PartnerKeys,
        PartnerGate,
        PartnerEvents,
        DeadLettersGateway,
        GatewayErasure,
        AccessRecorder,
        {
          // The access records' own confirm channel: they skip the outbox while the broker takes them.
          provide: DirectEventPublisher,
          inject: [BrokerConnection],
          useFactory: (broker: BrokerConnection) =>
            new DirectEventPublisher({
              broker,
              eventsExchange: config.eventsExchange,
              name: 'gateway.access',
            }),
        },
        HealthService,
      ],
    };
  }
}
