import {
  CONTACT_RESOLVED_V1,
  CUSTOMER_CREATED_V1,
  CUSTOMER_REPORTABLE_V1,
  CUSTOMER_UPDATED_V1,
  IMPORT_VEHICLES_V1,
  REMINDER_DUE_V1,
  contactResolvedV1Schema,
  customerCreatedV1Schema,
  customerReportableV1Schema,
  customerUpdatedV1Schema,
  importVehiclesV1Schema,
  reminderDueV1Schema,
  type ContactResolvedV1,
  type CustomerCreatedV1,
  type CustomerReportableV1,
  type CustomerUpdatedV1,
  type ImportVehiclesV1,
  type ReminderDueV1,
} from './customers';
import {
  CONSENT_PREFERENCES_CHANGED_V1,
  CONSENT_RECORDED_V1,
  CONSENT_TEXT_PUBLISHED_V1,
  PARTNER_EVENT_REFUSED_V1,
  consentPreferencesChangedV1Schema,
  consentRecordedV1Schema,
  consentTextPublishedV1Schema,
  partnerEventRefusedV1Schema,
  type ConsentPreferencesChangedV1,
  type ConsentRecordedV1,
  type ConsentTextPublishedV1,
  type PartnerEventRefusedV1,
} from './consents';
import {
  ACCESS_RECORDED_V1,
  DELETION_CANCELLED_V1,
  DELETION_REQUESTED_V1,
  ERASURE_COMPLETED_V1,
  ERASURE_REQUESTED_V1,
  MERGE_COMPLETED_V1,
  MERGE_REQUESTED_V1,
  MERGE_UNDO_REQUESTED_V1,
  MERGE_UNDONE_V1,
  accessRecordedV1Schema,
  deletionCancelledV1Schema,
  deletionRequestedV1Schema,
  erasureCompletedV1Schema,
  erasureRequestedV1Schema,
  mergeCompletedV1Schema,
  mergeRequestedV1Schema,
  mergeUndoRequestedV1Schema,
  mergeUndoneV1Schema,
  type AccessRecordedV1,
  type DeletionCancelledV1,
  type DeletionRequestedV1,
  type ErasureCompletedV1,
  type ErasureRequestedV1,
  type MergeCompletedV1,
  type MergeRequestedV1,
  type MergeUndoRequestedV1,
  type MergeUndoneV1,
} from './privacy';
import {
  ACCESS_RECORDED_V2,
  accessRecordedV2Problems,
  accessRecordedV2Schema,
  type AccessRecordedV2,
} from './privacy/access-record';
import { OUTBOX_MARK_V1, outboxMarkV1Schema, type OutboxMarkV1 } from './outbox-mark';
import {
  STATION_CREATED_V1,
  STATION_NAMED_V1,
  stationCreatedV1Schema,
  stationNamedV1Schema,
  type StationCreatedV1,
  type StationNamedV1,
} from './stations';
import {
  TENANT_SETTINGS_CHANGED_V1,
  tenantSettingsChangedV1Schema,
  type TenantSettingsChangedV1,
} from './tenant-settings';
import {
  PARTNER_BOOKING_CANCELLED_V1,
  PARTNER_BOOKING_NO_SHOW_V1,
  PARTNER_BOOKING_CREATED_V1,
  PARTNER_BOOKING_RESCHEDULED_V1,
  PARTNER_CUSTOMER_SUBMITTED_V1,
  PARTNER_PAYLOAD_RULES,
  PARTNER_SALE_COMPLETED_V1,
  PARTNER_WORK_COMPLETED_V1,
  partnerBookingCancelledV1Schema,
  partnerBookingNoShowV1Schema,
  partnerBookingCreatedV1Schema,
  partnerBookingRescheduledV1Schema,
  partnerCustomerSubmittedV1Schema,
  partnerSaleCompletedV1Schema,
  partnerWorkCompletedV1Schema,
  type PartnerBookingCancelledV1,
  type PartnerBookingNoShowV1,
  type PartnerBookingCreatedV1,
  type PartnerBookingRescheduledV1,
  type PartnerCustomerSubmittedV1,
  type PartnerSaleCompletedV1,
  type PartnerWorkCompletedV1,
  type PayloadProblem,
} from './partner';
import {
  IMPORT_VEHICLES_DONE_V1,
  SALE_RECORDED_V1,
  VEHICLE_CREATED_V1,
  VEHICLE_LINKED_V1,
  VEHICLE_UNLINKED_V1,
  VEHICLE_UPDATED_V1,
  VISIT_RECORDED_V1,
  VISIT_UPDATED_V1,
  importVehiclesDoneV1Schema,
  saleRecordedV1Schema,
  vehicleCreatedV1Schema,
  vehicleLinkedV1Schema,
  vehicleUnlinkedV1Schema,
  vehicleUpdatedV1Schema,
  visitRecordedV1Schema,
  visitUpdatedV1Schema,
  type ImportVehiclesDoneV1,
  type SaleRecordedV1,
  type VehicleStateV1,
  type VisitEventV1,
} from './vehicles';

/** Every event type the system knows, with its payload type. Add new versions here. */
export interface EventPayloads {
  [CUSTOMER_CREATED_V1]: CustomerCreatedV1;
  [CUSTOMER_UPDATED_V1]: CustomerUpdatedV1;
  [CUSTOMER_REPORTABLE_V1]: CustomerReportableV1;
  [CONSENT_RECORDED_V1]: ConsentRecordedV1;
  [CONSENT_TEXT_PUBLISHED_V1]: ConsentTextPublishedV1;
  [CONSENT_PREFERENCES_CHANGED_V1]: ConsentPreferencesChangedV1;
  [PARTNER_EVENT_REFUSED_V1]: PartnerEventRefusedV1;
  [STATION_CREATED_V1]: StationCreatedV1;
  [STATION_NAMED_V1]: StationNamedV1;
  [TENANT_SETTINGS_CHANGED_V1]: TenantSettingsChangedV1;
  [REMINDER_DUE_V1]: ReminderDueV1;
  [CONTACT_RESOLVED_V1]: ContactResolvedV1;
  [VEHICLE_CREATED_V1]: VehicleStateV1;
  [VEHICLE_UPDATED_V1]: VehicleStateV1;
  [VEHICLE_LINKED_V1]: VehicleStateV1;
  [VEHICLE_UNLINKED_V1]: VehicleStateV1;
  [VISIT_RECORDED_V1]: VisitEventV1;
  [VISIT_UPDATED_V1]: VisitEventV1;
  [SALE_RECORDED_V1]: SaleRecordedV1;
  [PARTNER_BOOKING_CREATED_V1]: PartnerBookingCreatedV1;
  [PARTNER_BOOKING_RESCHEDULED_V1]: PartnerBookingRescheduledV1;
  [PARTNER_BOOKING_CANCELLED_V1]: PartnerBookingCancelledV1;
  [PARTNER_BOOKING_NO_SHOW_V1]: PartnerBookingNoShowV1;
  [PARTNER_WORK_COMPLETED_V1]: PartnerWorkCompletedV1;
  [PARTNER_SALE_COMPLETED_V1]: PartnerSaleCompletedV1;
  [PARTNER_CUSTOMER_SUBMITTED_V1]: PartnerCustomerSubmittedV1;
  [ERASURE_REQUESTED_V1]: ErasureRequestedV1;
  [ERASURE_COMPLETED_V1]: ErasureCompletedV1;
  [MERGE_REQUESTED_V1]: MergeRequestedV1;
  [MERGE_COMPLETED_V1]: MergeCompletedV1;
  [MERGE_UNDO_REQUESTED_V1]: MergeUndoRequestedV1;
  [MERGE_UNDONE_V1]: MergeUndoneV1;
  [DELETION_REQUESTED_V1]: DeletionRequestedV1;
  [DELETION_CANCELLED_V1]: DeletionCancelledV1;
  [ACCESS_RECORDED_V1]: AccessRecordedV1;
  [ACCESS_RECORDED_V2]: AccessRecordedV2;
  [OUTBOX_MARK_V1]: OutboxMarkV1;
  [IMPORT_VEHICLES_V1]: ImportVehiclesV1;
  [IMPORT_VEHICLES_DONE_V1]: ImportVehiclesDoneV1;
}
export type EventType = keyof EventPayloads;

/** The JSON Schema of each event's payload; consumers validate against it before acting. */
export const EVENT_PAYLOAD_SCHEMAS: Record<EventType, object> = {
  [CUSTOMER_CREATED_V1]: customerCreatedV1Schema,
  [CUSTOMER_UPDATED_V1]: customerUpdatedV1Schema,
  [CUSTOMER_REPORTABLE_V1]: customerReportableV1Schema,
  [CONSENT_RECORDED_V1]: consentRecordedV1Schema,
  [CONSENT_TEXT_PUBLISHED_V1]: consentTextPublishedV1Schema,
  [CONSENT_PREFERENCES_CHANGED_V1]: consentPreferencesChangedV1Schema,
  [PARTNER_EVENT_REFUSED_V1]: partnerEventRefusedV1Schema,
  [STATION_CREATED_V1]: stationCreatedV1Schema,
  [STATION_NAMED_V1]: stationNamedV1Schema,
  [TENANT_SETTINGS_CHANGED_V1]: tenantSettingsChangedV1Schema,
  [REMINDER_DUE_V1]: reminderDueV1Schema,
  [CONTACT_RESOLVED_V1]: contactResolvedV1Schema,
  [VEHICLE_CREATED_V1]: vehicleCreatedV1Schema,
  [VEHICLE_UPDATED_V1]: vehicleUpdatedV1Schema,
  [VEHICLE_LINKED_V1]: vehicleLinkedV1Schema,
  [VEHICLE_UNLINKED_V1]: vehicleUnlinkedV1Schema,
  [VISIT_RECORDED_V1]: visitRecordedV1Schema,
  [VISIT_UPDATED_V1]: visitUpdatedV1Schema,
  [SALE_RECORDED_V1]: saleRecordedV1Schema,
  [PARTNER_BOOKING_CREATED_V1]: partnerBookingCreatedV1Schema,
  [PARTNER_BOOKING_RESCHEDULED_V1]: partnerBookingRescheduledV1Schema,
  [PARTNER_BOOKING_CANCELLED_V1]: partnerBookingCancelledV1Schema,
  [PARTNER_BOOKING_NO_SHOW_V1]: partnerBookingNoShowV1Schema,
  [PARTNER_WORK_COMPLETED_V1]: partnerWorkCompletedV1Schema,
  [PARTNER_SALE_COMPLETED_V1]: partnerSaleCompletedV1Schema,
  [PARTNER_CUSTOMER_SUBMITTED_V1]: partnerCustomerSubmittedV1Schema,
  [ERASURE_REQUESTED_V1]: erasureRequestedV1Schema,
  [ERASURE_COMPLETED_V1]: erasureCompletedV1Schema,
  [MERGE_REQUESTED_V1]: mergeRequestedV1Schema,
  [MERGE_COMPLETED_V1]: mergeCompletedV1Schema,
  [MERGE_UNDO_REQUESTED_V1]: mergeUndoRequestedV1Schema,
  [MERGE_UNDONE_V1]: mergeUndoneV1Schema,
  [DELETION_REQUESTED_V1]: deletionRequestedV1Schema,
  [DELETION_CANCELLED_V1]: deletionCancelledV1Schema,
  [ACCESS_RECORDED_V1]: accessRecordedV1Schema,
  [ACCESS_RECORDED_V2]: accessRecordedV2Schema,
  [OUTBOX_MARK_V1]: outboxMarkV1Schema,
  [IMPORT_VEHICLES_V1]: importVehiclesV1Schema,
  [IMPORT_VEHICLES_DONE_V1]: importVehiclesDoneV1Schema,
};

/** Rules beyond a payload's schema (sums, dates relative to now), checked right after it. */
export const EVENT_PAYLOAD_RULES: Partial<Record<EventType, (payload: never) => PayloadProblem[]>> =
  { ...PARTNER_PAYLOAD_RULES, [ACCESS_RECORDED_V2]: accessRecordedV2Problems };

/** Events whose envelope must name a tenant (everything a partner sends is a tenant's). */
export const requiresTenant = (type: string): boolean => type.startsWith('partner.');
