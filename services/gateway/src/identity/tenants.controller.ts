import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { ApiProblems } from '../http/api-problems';
import { UuidParam } from '../http/uuid-param';
import {
  CreateTenantDto,
  PageQueryDto,
  TenantPage,
  TenantView,
  UpdateTenantDto,
} from './dto/identity.dto';
import { TenantsService } from './tenants.service';

@ApiTags('tenants')
@ApiBearerAuth()
@ApiProblems(401, 503)
@Roles('superadmin')
@Controller('tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiOperation({ summary: 'List tenants (superadmin)' })
  @ApiOkResponse({ type: TenantPage })
  list(@Query() query: PageQueryDto): Promise<TenantPage> {
    return this.tenants.list(query);
  }

  @Post()
  @ApiOperation({ summary: 'Create a tenant (superadmin)' })
  @ApiCreatedResponse({ type: TenantView })
  @ApiProblems([409, 'slug-taken: another tenant has this slug'])
  create(@Body() dto: CreateTenantDto): Promise<TenantView> {
    return this.tenants.create(dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a tenant (superadmin)' })
  @ApiOkResponse({ type: TenantView })
  get(@UuidParam('Tenant') id: string): Promise<TenantView> {
    return this.tenants.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a tenant’s name, locale, phone country or time zone (superadmin)',
  })
  @ApiOkResponse({ type: TenantView })
  update(@UuidParam('Tenant') id: string, @Body() dto: UpdateTenantDto): Promise<TenantView> {
    return this.tenants.update(id, dto);
  }
}
