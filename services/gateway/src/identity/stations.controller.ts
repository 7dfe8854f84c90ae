import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentCaller, Roles, TenantScoped, type Caller } from '../auth/auth.decorators';
import { ApiProblems } from '../http/api-problems';
import { UuidParam } from '../http/uuid-param';
import {
  CreateStationDto,
  PageQueryDto,
  StationPage,
  StationView,
  UpdateStationDto,
} from './dto/identity.dto';
import { StationsService } from './stations.service';

@ApiTags('stations')
@ApiBearerAuth()
@ApiProblems(401, 503)
@TenantScoped()
@Controller('stations')
export class StationsController {
  constructor(private readonly stations: StationsService) {}

  @Get()
  @Roles('admin', 'worker')
  @ApiOperation({ summary: 'List the stations of your tenant' })
  @ApiOkResponse({ type: StationPage })
  list(@CurrentCaller() caller: Caller, @Query() query: PageQueryDto): Promise<StationPage> {
    return this.stations.list(caller, query);
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a station in your tenant (admin)' })
  @ApiCreatedResponse({ type: StationView })
  @ApiProblems([409, 'station-name-taken: the tenant has a station with this name'])
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateStationDto): Promise<StationView> {
    return this.stations.create(caller, dto);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Rename a station of your tenant (admin)' })
  @ApiOkResponse({ type: StationView })
  @ApiProblems([409, 'station-name-taken: the tenant has a station with this name'])
  update(
    @CurrentCaller() caller: Caller,
    @UuidParam('Station') id: string,
    @Body() dto: UpdateStationDto,
  ): Promise<StationView> {
    return this.stations.update(caller, id, dto);
  }
}
