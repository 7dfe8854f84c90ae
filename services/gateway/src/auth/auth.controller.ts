import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../http/api-problems';
import { CurrentCaller, Public, type Caller } from './auth.decorators';
import { AccessTokenView, LoginDto, MeView } from './auth.dto';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange e-mail and password for a bearer token (rate limited)' })
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
}
