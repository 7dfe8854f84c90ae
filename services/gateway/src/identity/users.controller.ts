import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentCaller, Roles, type Caller } from '../auth/auth.decorators';
import { ApiProblems } from '../http/api-problems';
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
@ApiProblems(401, 503)
@Roles('admin', 'superadmin')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List the users of your tenant (a superadmin names the tenant)' })
  @ApiOkResponse({ type: UserPage })
  @ApiProblems([404, 'No such tenant, or not yours'])
  list(@CurrentCaller() caller: Caller, @Query() query: ListUsersQueryDto): Promise<UserPage> {
    return this.users.list(caller, query);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a user in your tenant (a superadmin may create any tenant’s first admin)',
  })
  @ApiCreatedResponse({ type: UserView })
  @ApiProblems([404, 'No such tenant, or not yours'], [409, 'email-taken: a user has this e-mail'])
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
