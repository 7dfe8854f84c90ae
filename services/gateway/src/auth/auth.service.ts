import { Injectable } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { ProblemError } from '@kanta/platform';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../core/tokens';
import { StationsRepository } from '../identity/stations.repository';
import { UsersRepository } from '../identity/users.repository';
import { AccessTokens } from './access-tokens';
import type { Caller } from './auth.decorators';
import type { AccessTokenView, ChangePasswordDto, LoginDto, MeView } from './auth.dto';
import { IdentityService } from './identity.service';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';

const wrongCredentials = (): ProblemError =>
  ProblemError.unauthorized('The e-mail address or password is wrong.');

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly stations: StationsRepository,
    private readonly identities: IdentityService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly tokens: AccessTokens,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * Unknown e-mail, wrong password and inactive account all get the same 401, so the answer
   * does not tell which e-mail addresses have accounts; all three count as failures.
   */
  async login(dto: LoginDto, ip: string): Promise<AccessTokenView> {
    await this.throttle.check(dto.email, ip);
    const user = await this.users.findByEmail(dto.email);
    const valid = await this.hasher.verify(user?.passwordHash ?? null, dto.password);
    if (!user || !valid || !user.active) {
      await this.throttle.failed(dto.email, ip);
      throw wrongCredentials();
    }
    await this.throttle.succeeded(dto.email, ip);
    const identity = await this.identities.load(user.id);
    if (dto.stationId !== undefined && !identity?.stationIds.includes(dto.stationId)) {
      throw ProblemError.field(
        'stationId',
        'not_your_station',
        'stationId must be a station you work at',
      );
    }
    return this.accessToken(user.id, dto.stationId ?? null, user.tokenVersion);
  }

  /**
   * Any user, a superadmin too, changes their own password by giving the current one (a wrong one
   * counts as a failed login). Every token issued before, the one used here included, stops
   * working; the answer is a new token for the same station.
   */
  async changePassword(
    { identity, context }: Caller,
    dto: ChangePasswordDto,
    ip: string,
  ): Promise<AccessTokenView> {
    const email = identity.user.email;
    await this.throttle.check(email, ip);
    const user = await this.users.findByEmail(email);
    if (!user || !(await this.hasher.verify(user.passwordHash, dto.currentPassword))) {
      await this.throttle.failed(email, ip);
      throw ProblemError.field(
        'currentPassword',
        'wrong_password',
        'currentPassword is not your current password',
      );
    }
    user.passwordHash = await this.hasher.hash(dto.newPassword);
    user.tokenVersion += 1;
    await this.users.save(user, undefined);
    this.identities.forget(user.id);
    return this.accessToken(user.id, context.currentStationId, user.tokenVersion);
  }

  async me({ identity, context }: Caller): Promise<MeView> {
    const stations = identity.tenant
      ? await this.stations.namesInTenant(identity.tenant.id, identity.stationIds)
      : [];
    const current = stations.find((s) => s.id === context.currentStationId) ?? null;
    return {
      user: { id: identity.user.id, email: identity.user.email, role: identity.user.role },
      role: identity.user.role,
      tenant: identity.tenant,
      stations: stations.map((s) => ({ id: s.id, name: s.name })),
      currentStation: current ? { id: current.id, name: current.name } : null,
    };
  }

  private async accessToken(
    userId: string,
    stationId: string | null,
    version: number,
  ): Promise<AccessTokenView> {
    return {
      accessToken: await this.tokens.issue({ sub: userId, sid: stationId, ver: version }),
      tokenType: 'Bearer',
      expiresIn: this.config.jwtExpiresInSeconds,
    };
  }
}
