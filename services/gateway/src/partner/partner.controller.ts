import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import {
  AcceptedPartnerEventView,
  CreatedPartnerKeyView,
  CreatePartnerKeyDto,
  PartnerEventDto,
  PartnerEventTypeList,
  PartnerKeyPage,
  PartnerKeyView,
  PARTNER_EVENT_TYPES,
  isPartnerEventType,
  RejectedEventsQueryDto,
  RejectedPartnerEventPage,
  VEHICLES,
} from '@kanta/contracts';
import { CurrentCaller, Public, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { ApiProblems } from '../http/api-problems';
import { PARTNER_KEY_SCHEME } from '../http/openapi';
import { requestIdOf } from '../http/request-id';
import { UuidParam } from '../http/uuid-param';
import { Rpc } from '../core/rpc';
import { PartnerEvents } from './partner-events';
import { BeforeBody, BodyLimit } from '../http/route-edge';
import { CurrentPartner } from './partner-gate';
import { PartnerKeys, type PartnerIdentity } from './partner-keys';

/** A partner event is one booking, visit or sale; a sale of 200 lines with long names fits. */
const PARTNER_EVENT_BODY_LIMIT_BYTES = 128 * 1024;
import { partnerPayloadSchema } from './partner-payloads';
import { ProblemError } from '@kanta/platform';

@ApiTags('partners')
@Controller()
export class PartnerController {
  constructor(
    private readonly keys: PartnerKeys,
    private readonly events: PartnerEvents,
    private readonly rpc: Rpc,
  ) {}

  @Post('partner/events')
  @Public()
  @BeforeBody('partner')
  @BodyLimit(PARTNER_EVENT_BODY_LIMIT_BYTES)
  @HttpCode(202)
  @ApiOperation({
    summary: 'A partner system sends an event (booking, completed work, sale, kiosk details)',
    description:
      'Authenticated by the partner API key (X-Api-Key or Authorization: ApiKey <key>). The ' +
      'payload is checked against the JSON Schema of its type (422 with field errors), consent ' +
      'decisions it carries against the texts your tenant published (422 on ' +
      'payload.consents.N.textId), then published for the services; 202 with the event id. ' +
      'Resending the same eventId counts once. The key is checked, and the requests per key ' +
      'counted (429 with Retry-After over the limit), before the body is read; at most 128 KiB.',
  })
  @ApiSecurity(PARTNER_KEY_SCHEME)
  @ApiAcceptedResponse({ type: AcceptedPartnerEventView })
  @ApiProblems(
    [401, 'No partner API key, or one unknown or revoked'],
    [429, 'Too many requests for this key; Retry-After says when to send again'],
    503,
    504,
  )
  receive(
    @Body() body: PartnerEventDto,
    // The key was checked before the body (BeforeBody); it is the operation's security.
    @CurrentPartner() partner: PartnerIdentity,
    @Req() request: FastifyRequest,
  ): Promise<AcceptedPartnerEventView> {
    return this.events.accept(partner, body, requestIdOf(request));
  }

  @Get('partner/schemas')
  @Public()
  @ApiOperation({
    summary: 'The partner event types, each with the address of its JSON Schema',
    description: 'No key needed: the schemas say what a valid event is, nothing about a tenant.',
  })
  @ApiOkResponse({ type: PartnerEventTypeList })
  schemas(): PartnerEventTypeList {
    return {
      items: PARTNER_EVENT_TYPES.map((type) => ({
        type,
        schema: `/api/v1/partner/schemas/${type}`,
      })),
    };
  }

  @Get('partner/schemas/:type')
  @Public()
  @ApiOperation({ summary: "The JSON Schema (draft-07) of a partner event type's payload" })
  @ApiOkResponse({
    description: 'A JSON Schema (draft-07)',
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiProblems([404, 'Not a partner event type'])
  schema(@Param('type') type: string): object {
    if (!isPartnerEventType(type)) {
      throw ProblemError.notFound('Partner event type', `${type} is not a partner event type`);
    }
    return partnerPayloadSchema(type);
  }

  @Get('partner/rejected-events')
  @ApiBearerAuth()
  @TenantScoped()
  @Roles('admin')
  @ApiOperation({
    summary: 'Partner events refused as invalid on the broker path, newest first (admin)',
    description:
      'With the reason; of the payload only references, stations, times, kinds and amounts are kept, every other field is replaced. Includes events only the ' +
      'consents service refused (reason "consents service: …", no payload).',
  })
  @ApiOkResponse({ type: RejectedPartnerEventPage })
  @ApiProblems(401, 503, 504)
  rejected(
    @CurrentCaller() caller: Caller,
    @Query() query: RejectedEventsQueryDto,
  ): Promise<RejectedPartnerEventPage> {
    return this.rpc.call(VEHICLES.rejectedPartnerEvents, caller, { ...query });
  }

  @Post('partner-keys')
  @ApiBearerAuth()
  @TenantScoped()
  @Roles('admin')
  @ApiOperation({ summary: 'Issue an API key for a partner system (admin); the key is shown once' })
  @ApiCreatedResponse({ type: CreatedPartnerKeyView })
  @ApiProblems(401, 503)
  create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreatePartnerKeyDto,
  ): Promise<CreatedPartnerKeyView> {
    return this.keys.create(caller, body);
  }

  @Get('partner-keys')
  @ApiBearerAuth()
  @TenantScoped()
  @Roles('admin')
  @ApiOperation({ summary: "Your tenant's partner keys, without the keys themselves (admin)" })
  @ApiOkResponse({ type: PartnerKeyPage })
  @ApiProblems(401, 503)
  async list(@CurrentCaller() caller: Caller): Promise<PartnerKeyPage> {
    return { items: await this.keys.list(caller) };
  }

  @Delete('partner-keys/:id')
  @ApiBearerAuth()
  @TenantScoped()
  @Roles('admin')
  @ApiOperation({ summary: 'Revoke a partner key (admin); it stops working at once' })
  @ApiOkResponse({ type: PartnerKeyView })
  @ApiProblems(401, 503)
  revoke(
    @CurrentCaller() caller: Caller,
    @UuidParam('Partner key') id: string,
  ): Promise<PartnerKeyView> {
    return this.keys.revoke(caller, id);
  }
}
