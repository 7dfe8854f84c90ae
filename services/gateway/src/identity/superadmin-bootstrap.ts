import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { uuidv7 } from '@kanta/platform';
import { PasswordHasher } from '../auth/password-hasher';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../core/tokens';
import { User } from './entities/user.entity';
import { uniqueViolation } from '@kanta/database';
import { UsersRepository } from './users.repository';

/**
 * A fresh installation has no one who could create the first tenant; the start script names a
 * superadmin in the environment and it is created once, if no user has that e-mail yet.
 */
@Injectable()
export class SuperadminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('SuperadminBootstrap');

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const wanted = this.config.bootstrapSuperadmin;
    if (!wanted || (await this.users.existsByEmail(wanted.email))) return;
    const user = Object.assign(new User(), {
      id: uuidv7(),
      email: wanted.email,
      passwordHash: await this.hasher.hash(wanted.password),
      role: 'superadmin' as const,
      tenantId: null,
      active: true,
    });
    try {
      await this.users.save(user, undefined);
      this.logger.log('Created the bootstrap superadmin');
    } catch (error) {
      // Another instance starting at the same moment created it first.
      if (uniqueViolation(error) !== 'users_email_key') throw error;
    }
  }
}
