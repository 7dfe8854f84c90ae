import {
  CUSTOMER_CREATED_V1,
  CUSTOMER_UPDATED_V1,
  REMINDER_DUE_V1,
  customerCreatedV1Schema,
  customerUpdatedV1Schema,
  reminderDueV1Schema,
  type CustomerCreatedV1,
  type CustomerUpdatedV1,
  type ReminderDueV1,
} from './customers';
import {
  CONSENT_PREFERENCES_CHANGED_V1,
  CONSENT_RECORDED_V1,
  CONSENT_TEXT_PUBLISHED_V1,
  consentPreferencesChangedV1Schema,
  consentRecordedV1Schema,
  consentTextPublishedV1Schema,
  type ConsentPreferencesChangedV1,
  type ConsentRecordedV1,
  type ConsentTextPublishedV1,
} from './consents';

/** Every event type the system knows, with its payload type. Add new versions here. */
export interface EventPayloads {
  [CUSTOMER_CREATED_V1]: CustomerCreatedV1;
  [CUSTOMER_UPDATED_V1]: CustomerUpdatedV1;
  [CONSENT_RECORDED_V1]: ConsentRecordedV1;
  [CONSENT_TEXT_PUBLISHED_V1]: ConsentTextPublishedV1;
  [CONSENT_PREFERENCES_CHANGED_V1]: ConsentPreferencesChangedV1;
  [REMINDER_DUE_V1]: ReminderDueV1;
}
export type EventType = keyof EventPayloads;

/** The JSON Schema of each event's payload; consumers validate against it before acting. */
export const EVENT_PAYLOAD_SCHEMAS: Record<EventType, object> = {
  [CUSTOMER_CREATED_V1]: customerCreatedV1Schema,
  [CUSTOMER_UPDATED_V1]: customerUpdatedV1Schema,
  [CONSENT_RECORDED_V1]: consentRecordedV1Schema,
  [CONSENT_TEXT_PUBLISHED_V1]: consentTextPublishedV1Schema,
  [CONSENT_PREFERENCES_CHANGED_V1]: consentPreferencesChangedV1Schema,
  [REMINDER_DUE_V1]: reminderDueV1Schema,
};
