import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BeforeBody, BodyLimit } from '../http/route-edge';
import { ApiProblems } from '../http/api-problems';
import { CurrentCaller, Public, type Caller } from './auth.decorators';
import { AccessTokenView, ChangePasswordDto, LoginDto, MeView } from './auth.dto';
import { AuthService } from './auth.service';

/** A login body is an e-mail address, a password and a station id: 4 KiB is plenty. */
export const LOGIN_BODY_LIMIT_BYTES = 4096;

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @BeforeBody('login')
  @BodyLimit(LOGIN_BODY_LIMIT_BYTES)
  @Post('auth/login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange e-mail and password for a bearer token (rate limited)',
    description:
      'At most 4 KiB of body. Requests per client IP are limited before the body is read, and ' +
      'repeated wrong passwords for an account make the next attempt wait (429 with Retry-After).',
  })
  @ApiOkResponse({ type: AccessTokenView })
  @ApiProblems([401, 'The e-mail address or password is wrong'], 429, 503)
  login(@Body() dto: LoginDto, @Ip() ip: string): Promise<AccessTokenView> {
    return this.auth.login(dto, ip);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user, their tenant and stations' })
  @ApiOkResponse({ type: MeView })
  @ApiProblems(401, 503)
  me(@CurrentCaller() caller: Caller): Promise<MeView> {
    return this.auth.me(caller);
  }

  @BodyLimit(LOGIN_BODY_LIMIT_BYTES)
  @Post('me/password')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Change your own password (any user, a superadmin too)',
    description:
      'Needs the current password (a wrong one counts as a failed login). Every token issued ' +
      'before stops working, this one included; the answer is a new token.',
  })
  @ApiOkResponse({ type: AccessTokenView })
  changePassword(
    @CurrentCaller() caller: Caller,
    @Body() dto: ChangePasswordDto,
    @Ip() ip: string,
  ): Promise<AccessTokenView> {
    return this.auth.changePassword(caller, dto, ip);
  }
}
