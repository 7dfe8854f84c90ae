import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CommunicationPreferencesDto,
  CommunicationPreferencesView,
  ConsentTextPage,
  ConsentTextView,
  ContactabilityQueryDto,
  ContactabilityView,
  CustomerConsentsQueryDto,
  CustomerConsentsView,
  ListConsentTextsQueryDto,
  PublishConsentTextDto,
  RecordConsentsDto,
  RefreshConsentsDto,
} from '@kanta/contracts';
import { theRouteCustomer } from '../audit/customer-ids';
import { RecordsAccess } from '../audit/records-access';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import type { HttpResult } from '../http/http-result';
import { ApiProblems, CUSTOMER_ERASED_OR_MERGED, READS_FOLLOW_MERGES } from '../http/api-problems';
import { IfMatch } from '../http/if-match';
import { UuidParam } from '../http/uuid-param';
import { ConsentsService } from './consents.service';
import { IdempotencyKey } from '../http/idempotency-key';

@ApiTags('consents')
@ApiBearerAuth()
@ApiProblems(401, 503, 504)
@TenantScoped()
@Controller()
export class ConsentsController {
  constructor(private readonly consents: ConsentsService) {}

  @Get('consent-texts')
  @ApiOperation({
    summary: 'The consent texts in force, per purpose and locale; history=true gives every version',
  })
  @ApiOkResponse({ type: ConsentTextPage })
  listTexts(
    @CurrentCaller() caller: Caller,
    @Query() query: ListConsentTextsQueryDto,
  ): Promise<ConsentTextPage> {
    return this.consents.listTexts(caller, query);
  }

  @Post('consent-texts')
  @Roles('admin')
  @ApiOperation({
    summary: 'Publish a consent text (admin): a new version of its purpose and locale',
    description: 'The same body as the text in force publishes nothing and answers it (200).',
  })
  @ApiCreatedResponse({ type: ConsentTextView })
  @ApiOkResponse({ type: ConsentTextView, description: 'The text in force already says this' })
  @IdempotencyKey()
  publishText(
    @CurrentCaller() caller: Caller,
    @Body() body: PublishConsentTextDto,
  ): Promise<HttpResult<ConsentTextView>> {
    return this.consents.publishText(caller, body);
  }

  @Get('consent-texts/:id')
  @ApiOperation({ summary: 'One consent text version; old versions stay readable forever' })
  @ApiOkResponse({ type: ConsentTextView })
  getText(
    @CurrentCaller() caller: Caller,
    @UuidParam('Consent text') id: string,
  ): Promise<ConsentTextView> {
    return this.consents.getText(caller, id);
  }

  @Get('customers/:id/consents')
  @ApiOperation({
    summary: "The customer's current decision per purpose (outdated when a newer text exists)",
    description: READS_FOLLOW_MERGES,
  })
  @ApiOkResponse({ type: CustomerConsentsView })
  @RecordsAccess('view', theRouteCustomer)
  customerConsents(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Query() query: CustomerConsentsQueryDto,
  ): Promise<CustomerConsentsView> {
    return this.consents.customerConsents(caller, id, query.history ?? false);
  }

  @Post('customers/:id/consents')
  @ApiOperation({ summary: 'Record consent decisions (appended to the ledger, never changed)' })
  @ApiCreatedResponse({ type: CustomerConsentsView })
  @ApiProblems([409, CUSTOMER_ERASED_OR_MERGED])
  @IdempotencyKey()
  @RecordsAccess('edit', theRouteCustomer)
  record(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Body() body: RecordConsentsDto,
  ): Promise<HttpResult<CustomerConsentsView>> {
    return this.consents.record(caller, id, body);
  }

  @Post('customers/:id/consents/refresh')
  @ApiOperation({ summary: 'Re-record the current decisions against the texts now in force' })
  @ApiCreatedResponse({ type: CustomerConsentsView })
  @ApiProblems([409, CUSTOMER_ERASED_OR_MERGED])
  @IdempotencyKey()
  @RecordsAccess('edit', theRouteCustomer)
  refresh(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Body() body: RefreshConsentsDto,
  ): Promise<HttpResult<CustomerConsentsView>> {
    return this.consents.refresh(caller, id, body);
  }

  @Get('customers/:id/communication-preferences')
  @ApiOperation({
    summary: 'Blocked, preferred channel, service notifications; ETag = version',
    description: READS_FOLLOW_MERGES,
  })
  @ApiOkResponse({ type: CommunicationPreferencesView })
  @RecordsAccess('view', theRouteCustomer)
  getPreferences(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
  ): Promise<HttpResult<CommunicationPreferencesView>> {
    return this.consents.getPreferences(caller, id);
  }

  @Patch('customers/:id/communication-preferences')
  @ApiOperation({ summary: 'Change communication preferences (absent fields are kept)' })
  @ApiOkResponse({ type: CommunicationPreferencesView })
  @ApiProblems([409, CUSTOMER_ERASED_OR_MERGED])
  @IdempotencyKey()
  @RecordsAccess('edit', theRouteCustomer)
  setPreferences(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Body() body: CommunicationPreferencesDto,
    @IfMatch(false) ifMatch?: string,
  ): Promise<HttpResult<CommunicationPreferencesView>> {
    return this.consents.setPreferences(caller, id, body, ifMatch);
  }

  @Get('customers/:id/contactability')
  @ApiOperation({
    summary: 'May the customer be contacted for this purpose on this channel, and if not, why',
    description: READS_FOLLOW_MERGES,
  })
  @ApiOkResponse({ type: ContactabilityView })
  @RecordsAccess('view', theRouteCustomer)
  contactability(
    @CurrentCaller() caller: Caller,
    @UuidParam('Customer') id: string,
    @Query() query: ContactabilityQueryDto,
  ): Promise<ContactabilityView> {
    return this.consents.contactability(caller, id, query);
  }
}
