import { ReportablePageQuery, type ReportablePage } from '../reporting/rebuild';
import type { SaleRecordedV1, VehicleStateV1, VisitEventV1 } from './events';
import { IsString, Length } from 'class-validator';
import { PageQueryDto } from '../page.dto';
import { RejectedEventsQueryDto, type RejectedPartnerEventPage } from '../partner/partner-keys.dto';
import { deadLetterOperationsOf } from '../dead-letters';
import { ByIdQuery, CustomerRef, VersionedCommand } from '../rpc-data';
import { NoData, RpcBody, answers, rpcOperationsOf, type ServiceHealth } from '../rpc';
import {
  CreateSaleDto,
  ListSalesQueryDto,
  type CustomerSummaryView,
  type SalePage,
  type SaleView,
} from './sale.dto';
import {
  CreateVehicleDto,
  LinkVehicleCustomerDto,
  SearchVehiclesQueryDto,
  UpdateVehicleDto,
  type VehiclePage,
  type VehicleView,
} from './vehicle.dto';
import {
  CreateVisitDto,
  ListVisitsQueryDto,
  UpdateVisitDto,
  VisitRangeQueryDto,
  type CreatedVisitResult,
  type VisitPage,
  type VisitView,
} from './visit.dto';

/*
 * The vehicles service's RPC contract: the data of each operation as a class (validated again at
 * the service's edge; the caller's body is the field root, so its field errors read as the caller
 * sent them), and the operations themselves in VEHICLES.
 */

export class CreateVehicleCommand {
  @RpcBody(() => CreateVehicleDto)
  vehicle: CreateVehicleDto;
}

export class UpdateVehicleCommand extends VersionedCommand {
  @RpcBody(() => UpdateVehicleDto)
  patch: UpdateVehicleDto;
}

export class LinkVehicleCommand {
  @IsString()
  @Length(1, 100)
  vehicleId: string;

  @RpcBody(() => LinkVehicleCustomerDto)
  link: LinkVehicleCustomerDto;
}

export class UnlinkVehicleCommand extends CustomerRef {
  @IsString()
  @Length(1, 100)
  vehicleId: string;
}

/** A page of one customer's records. */
export class CustomerPageQuery extends PageQueryDto {
  @IsString()
  @Length(1, 100)
  customerId: string;
}

export class CreateVisitCommand {
  @RpcBody(() => CreateVisitDto)
  visit: CreateVisitDto;
}

export class UpdateVisitCommand extends VersionedCommand {
  @RpcBody(() => UpdateVisitDto)
  patch: UpdateVisitDto;
}

/** One customer's visits in a time range. */
export class CustomerVisitsQuery extends VisitRangeQueryDto {
  @IsString()
  @Length(1, 100)
  customerId: string;
}

export class CreateSaleCommand {
  @RpcBody(() => CreateSaleDto)
  sale: CreateSaleDto;
}

/**
 * The vehicles service's part of a data hand-over (privacy, issue #14): the customer's vehicles,
 * visits (notes and special requests included) and sales with their lines.
 */
export interface VehicleDataExport {
  vehicles: VehicleView[];
  visits: VisitView[];
  sales: SaleView[];
}

const { query, write } = rpcOperationsOf('vehicles');

export const VEHICLES = {
  health: query('vehicles.health', NoData, answers<ServiceHealth>()),
  deadLetters: deadLetterOperationsOf('vehicles'),
  /** Internal (no gateway route): the reporting rebuild's pages. */
  reportableVehicles: query(
    'vehicles.reportable.vehicles',
    ReportablePageQuery,
    answers<ReportablePage<VehicleStateV1>>(),
  ),
  reportableVisits: query(
    'vehicles.reportable.visits',
    ReportablePageQuery,
    answers<ReportablePage<VisitEventV1>>(),
  ),
  reportableSales: query(
    'vehicles.reportable.sales',
    ReportablePageQuery,
    answers<ReportablePage<SaleRecordedV1>>(),
  ),
  createVehicle: write('vehicles.vehicle.create', CreateVehicleCommand, answers<VehicleView>()),
  getVehicle: query('vehicles.vehicle.get', ByIdQuery, answers<VehicleView>()),
  updateVehicle: write('vehicles.vehicle.update', UpdateVehicleCommand, answers<VehicleView>()),
  searchVehicles: query('vehicles.vehicle.search', SearchVehiclesQueryDto, answers<VehiclePage>()),
  linkCustomer: write('vehicles.vehicle.link', LinkVehicleCommand, answers<VehicleView>()),
  unlinkCustomer: write('vehicles.vehicle.unlink', UnlinkVehicleCommand, answers<VehicleView>()),
  customerVehicles: query('vehicles.customer.vehicles', CustomerPageQuery, answers<VehiclePage>()),
  createVisit: write('vehicles.visit.create', CreateVisitCommand, answers<CreatedVisitResult>()),
  getVisit: query('vehicles.visit.get', ByIdQuery, answers<VisitView>()),
  updateVisit: write('vehicles.visit.update', UpdateVisitCommand, answers<VisitView>()),
  listVisits: query('vehicles.visit.list', ListVisitsQueryDto, answers<VisitPage>()),
  customerVisits: query('vehicles.customer.visits', CustomerVisitsQuery, answers<VisitPage>()),
  createSale: write('vehicles.sale.create', CreateSaleCommand, answers<SaleView>()),
  getSale: query('vehicles.sale.get', ByIdQuery, answers<SaleView>()),
  listSales: query('vehicles.sale.list', ListSalesQueryDto, answers<SalePage>()),
  customerSales: query('vehicles.customer.sales', CustomerPageQuery, answers<SalePage>()),
  customerSummary: query('vehicles.customer.summary', CustomerRef, answers<CustomerSummaryView>()),
  rejectedPartnerEvents: query(
    'vehicles.partner.rejected',
    RejectedEventsQueryDto,
    answers<RejectedPartnerEventPage>(),
  ),
  /** Everything of the customer this service holds, for the privacy service's data hand-over. */
  exportCustomer: query('vehicles.customer.export', CustomerRef, answers<VehicleDataExport>()),
} as const;
