import { ReportablePagesController } from './reporting/reportable-pages';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createServiceDataSource } from '@kanta/database';
import {
  KnownCustomers,
  KnownStations,
  MessagingModule,
  ServiceHealthCheck,
  deadLettersController,
  outboxMarkController,
  serviceHealthController,
} from '@kanta/messaging';
import { VEHICLES_OPTIONS, type VehiclesAppOptions } from './app-options';
import { VEHICLES_SCHEMA, vehiclesSchema } from './database/schema';
import { CustomerErasure } from './erasure/customer-erasure';
import { CustomerMerge } from './merge/customer-merge';
import { ImportedVehicles } from './import/imported-vehicles';
import { CustomerAccess } from './known-customers/customer-access';
import { PartnerBookings } from './partner/bookings';
import { CustomerCheckIns } from './partner/check-ins';
import { CompletedWork } from './partner/completed-work';
import { ContactResolution } from './partner/contact-resolution';
import { PartnerIntake } from './partner/partner-intake';
import { PartnerVehicleLinks } from './partner/partner-vehicle-links';
import { PartnerVisits } from './partner/partner-visits';
import { PartnerReceipts } from './partner/receipts';
import { VehicleSightings } from './partner/vehicle-sightings';
import { PartnerVisitsRepository } from './partner/partner-visits.repository';
import { RejectedPartnerEvents, RejectedPartnerEventsController } from './partner/rejected-events';
import { SalesRepository, WAITING_RECEIPTS } from './sales/sales.repository';
import { SalesService } from './sales/sales.service';
import { VehicleDataExports } from './export/vehicle-data-export';
import { VehiclesController } from './vehicles/vehicles.controller';
import { VehiclesRepository } from './vehicles/vehicles.repository';
import { VehiclesService } from './vehicles/vehicles.service';
import { VisitsController } from './visits/visits.controller';
import { VisitsRepository } from './visits/visits.repository';
import { VisitsService } from './visits/visits.service';

/**
 * The vehicles service: RPC handlers on its command queue, `GET /health` over HTTP, the consumer
 * of customer and partner events, and the outbox relay that publishes its own.
 */
@Module({})
export class AppModule {
  static forRoot(options: VehiclesAppOptions): DynamicModule {
    const dataSource = createServiceDataSource({
      ...vehiclesSchema,
      settings: options.postgres,
      poolSize: options.dbPoolSize,
    });
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({ ...dataSource.options, retryAttempts: 1, retryDelay: 1000 }),
        MessagingModule.forRoot({
          service: 'vehicles',
          schema: VEHICLES_SCHEMA,
          amqpUrl: options.amqpUrl,
          eventsExchange: options.eventsExchange,
          queuePrefix: options.queuePrefix,
          consumer: options.consumer,
          relay: options.relay === false ? false : undefined,
          commandLog: true,
          waiting: [
            { table: 'contact_resolutions', since: 'resolved_at' },
            { table: 'pending_vehicle_links', since: 'waiting_since' },
            { table: 'visit_contact_waits', since: 'waiting_since' },
            WAITING_RECEIPTS,
          ],
        }),
      ],
      controllers: [
        VehiclesController,
        VisitsController,
        ReportablePagesController,
        RejectedPartnerEventsController,
        serviceHealthController('vehicles'),
        deadLettersController('vehicles'),
        outboxMarkController('vehicles'),
      ],
      providers: [
        { provide: KnownStations, useValue: new KnownStations(VEHICLES_SCHEMA) },
        { provide: VEHICLES_OPTIONS, useValue: options },
        { provide: KnownCustomers, useValue: new KnownCustomers(VEHICLES_SCHEMA) },
        CustomerAccess,
        VehiclesRepository,
        VehiclesService,
        VisitsRepository,
        VisitsService,
        SalesRepository,
        SalesService,
        VehicleDataExports,
        PartnerVisitsRepository,
        VehicleSightings,
        PartnerVehicleLinks,
        PartnerVisits,
        PartnerBookings,
        CompletedWork,
        PartnerReceipts,
        CustomerCheckIns,
        ContactResolution,
        PartnerIntake,
        RejectedPartnerEvents,
        CustomerErasure,
        CustomerMerge,
        ImportedVehicles,
        ServiceHealthCheck,
      ],
    };
  }
}
