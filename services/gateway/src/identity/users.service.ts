import { Injectable } from '@nestjs/common';
import { uuidv7 } from '@kanta/platform';
import { ProblemError } from '@kanta/platform';
import type { Caller } from '../auth/auth.decorators';
import { IdentityService } from '../auth/identity.service';
import { PasswordHasher } from '../auth/password-hasher';
import type {
  CreateUserDto,
  ListUsersQueryDto,
  UpdateUserDto,
  UserPage,
  UserView,
} from './dto/identity.dto';
import { User } from './entities/user.entity';
import { DEFAULT_PAGE_SIZE, pageOf } from './page';
import { StationsRepository } from './stations.repository';
import { TenantsRepository } from './tenants.repository';
import { uniqueViolation } from '@kanta/database';
import { UsersRepository, type UserWithStations } from './users.repository';

function userView({ user, stationIds }: UserWithStations): UserView {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    tenantId: user.tenantId,
    stationIds,
    active: user.active,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

const emailTaken = (): ProblemError =>
  ProblemError.conflict('email-taken', 'A user with this e-mail address exists.', [
    { field: 'email', reason: 'taken', message: 'email is already used by another user' },
  ]);

/**
 * Staff accounts. An admin manages the users of their own tenant; a superadmin may act on any
 * tenant by naming it (to create its first admin).
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly stations: StationsRepository,
    private readonly tenants: TenantsRepository,
    private readonly hasher: PasswordHasher,
    private readonly identities: IdentityService,
  ) {}

  async list(caller: Caller, query: ListUsersQueryDto): Promise<UserPage> {
    const tenantId = await this.targetTenant(caller, query.tenantId);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.users.page(tenantId, limit + 1, query.cursor);
    return pageOf(rows.map(userView), limit, (view) => view);
  }

  async create(caller: Caller, dto: CreateUserDto): Promise<UserView> {
    const tenantId = await this.targetTenant(caller, dto.tenantId);
    const stationIds = await this.checkedStations(tenantId, dto.stationIds ?? []);
    if (await this.users.existsByEmail(dto.email)) throw emailTaken();
    const user = Object.assign(new User(), {
      id: uuidv7(),
      email: dto.email,
      passwordHash: await this.hasher.hash(dto.password),
      role: dto.role,
      tenantId,
      active: true,
    });
    try {
      await this.users.save(user, stationIds);
    } catch (error) {
      if (uniqueViolation(error) === 'users_email_key') throw emailTaken();
      throw error;
    }
    return userView(await this.found(user.id, tenantId));
  }

  async update(caller: Caller, id: string, dto: UpdateUserDto): Promise<UserView> {
    const scope =
      caller.identity.user.role === 'superadmin' ? null : (caller.identity.tenant?.id ?? null);
    const { user } = await this.found(id, scope);
    if (user.tenantId === null)
      throw ProblemError.forbidden('Superadmin accounts are not managed here.');
    if (user.id === caller.identity.user.id && (dto.role !== undefined || dto.active === false)) {
      // Otherwise the last admin of a tenant could lock everyone out.
      throw ProblemError.field(
        'role',
        'self_change',
        'You cannot change your own role or deactivate yourself.',
      );
    }
    const stationIds =
      dto.stationIds === undefined
        ? undefined
        : await this.checkedStations(user.tenantId, dto.stationIds);
    if (dto.role !== undefined) user.role = dto.role;
    if (dto.active !== undefined) user.active = dto.active;
    if (dto.password !== undefined) {
      user.passwordHash = await this.hasher.hash(dto.password);
      // The user's sessions end with the old password.
      user.tokenVersion += 1;
    }
    await this.users.save(user, stationIds);
    this.identities.forget(user.id);
    return userView(await this.found(user.id, user.tenantId));
  }

  /** The tenant a request acts on; naming another tenant than one's own answers 404. */
  private async targetTenant(caller: Caller, requested: string | undefined): Promise<string> {
    const own = caller.identity.tenant?.id ?? null;
    if (own !== null) {
      if (requested !== undefined && requested !== own) throw ProblemError.notFound('Tenant');
      return own;
    }
    if (requested === undefined) {
      throw ProblemError.field('tenantId', 'required', 'tenantId is required for a superadmin');
    }
    if (!(await this.tenants.findById(requested))) throw ProblemError.notFound('Tenant');
    return requested;
  }

  private async checkedStations(tenantId: string, ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    const found = await this.stations.namesInTenant(tenantId, unique);
    if (found.length !== unique.length) {
      throw ProblemError.field(
        'stationIds',
        'unknown_station',
        'stationIds must be stations of the tenant',
      );
    }
    return unique;
  }

  private async found(id: string, tenantId: string | null): Promise<UserWithStations> {
    const row = await this.users.find(id, tenantId);
    if (!row) throw ProblemError.notFound('User');
    return row;
  }
}
