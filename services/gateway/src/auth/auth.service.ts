import { Injectable } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ProblemError } from '@kanta/platform';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../core/tokens';
import { StationsRepository } from '../identity/stations.repository';
import { UsersRepository } from '../identity/users.repository';
import type { Caller } from './auth.decorators';
import type { AccessTokenView, LoginDto, MeView } from './auth.dto';
import type { AccessTokenClaims } from './identity';
import { IdentityService } from './identity.service';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly stations: StationsRepository,
    private readonly identities: IdentityService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly jwt: JwtService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * Unknown e-mail, wrong password and inactive account all get the same 401, so the answer
   * does not tell which e-mail addresses have accounts.
   */
  async login(dto: LoginDto, ip: string): Promise<AccessTokenView> {
    await this.throttle.attempt(ip, dto.email);
    const user = await this.users.findByEmail(dto.email);
    const valid = await this.hasher.verify(user?.passwordHash ?? null, dto.password);
    if (!user || !valid || !user.active) {
      throw ProblemError.unauthorized('The e-mail address or password is wrong.');
    }
    const identity = await this.identities.load(user.id);
    if (dto.stationId !== undefined && !identity?.stationIds.includes(dto.stationId)) {
      throw ProblemError.field(
        'stationId',
        'not_your_station',
        'stationId must be a station you work at',
      );
    }
    const claims: AccessTokenClaims = { sub: user.id, sid: dto.stationId ?? null };
    return {
      accessToken: await this.jwt.signAsync(claims),
      tokenType: 'Bearer',
      expiresIn: this.config.jwtExpiresInSeconds,
    };
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
}
