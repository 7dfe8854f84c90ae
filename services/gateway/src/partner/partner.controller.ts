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
  VEHICLES_RPC,
} from '@kanta/contracts';
import { CurrentCaller, Public, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { ApiProblems } from '../http/api-problems';
import { PARTNER_KEY_SCHEME } from '../http/openapi';
import { requestIdOf } from '../http/request-id';
import { UuidParam } from '../http/uuid-param';
import { VehiclesGateway } from '../vehicles/vehicles-gateway';
import { PartnerEvents } from './partner-events';
import { PartnerKeys } from './partner-keys';
import { partnerPayloadSchema } from './partner-payloads';
import { ProblemError } from '@kanta/platform';

@ApiTags('partners')
@Controller()
export class PartnerController {
  constructor(
    private readonly keys: PartnerKeys,
    private readonly events: PartnerEvents,
    private readonly vehicles: VehiclesGateway,
  ) {}

  @Post('partner/events')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary: 'A partner system sends an event (booking, completed work, sale, kiosk details)',
    description:
      'Authenticated by the partner API key (X-Api-Key or Authorization: ApiKey <key>). The ' +
      'payload is checked against the JSON Schema of its type (422 with field errors), consent ' +
      'decisions it carries against the texts your tenant published (422 on ' +
      'payload.consents.N.textId), then published for the services; 202 with the event id. ' +
      'Resending the same eventId counts once.',
  })
  @ApiSecurity(PARTNER_KEY_SCHEME)
  @ApiAcceptedResponse({ type: AcceptedPartnerEventView })
  @ApiProblems([401, 'No partner API key, or one unknown or revoked'], 503, 504)
  async receive(
    @Body() body: PartnerEventDto,
    @Req() request: FastifyRequest,
  ): Promise<AcceptedPartnerEventView> {
    // Read from the request, not as header parameters: the key is the operation's security.
    const apiKey = request.headers['x-api-key'];
    const partner = await this.keys.authenticate({
      apiKey: typeof apiKey === 'string' ? apiKey : undefined,
      authorization: request.headers.authorization,
    });
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
    return this.vehicles.send(VEHICLES_RPC.rejectedPartnerEvents, caller, { ...query });
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
