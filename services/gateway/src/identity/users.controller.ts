import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentCaller, Roles, type Caller } from '../auth/auth.decorators';
import { UuidParam } from '../http/uuid-param';
import {
  CreateUserDto,
  ListUsersQueryDto,
  UpdateUserDto,
  UserPage,
  UserView,
} from './dto/identity.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Roles('admin', 'superadmin')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List the users of your tenant (a superadmin names the tenant)' })
  @ApiOkResponse({ type: UserPage })
  list(@CurrentCaller() caller: Caller, @Query() query: ListUsersQueryDto): Promise<UserPage> {
    return this.users.list(caller, query);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a user in your tenant (a superadmin may create any tenant’s first admin)',
  })
  @ApiCreatedResponse({ type: UserView })
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateUserDto): Promise<UserView> {
    return this.users.create(caller, dto);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a user’s role, stations, password or active flag' })
  @ApiOkResponse({ type: UserView })
  update(
    @CurrentCaller() caller: Caller,
    @UuidParam('User') id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserView> {
    return this.users.update(caller, id, dto);
  }
}
