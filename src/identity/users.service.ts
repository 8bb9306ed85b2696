import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { Page, pageOf } from '../common/pagination';
import { mapConstraintErrors } from '../common/pg-errors';
import { FieldError, Problem } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { EnterprisesService } from '../registry/enterprises.service';
import { DepartmentsService } from './departments.service';
import { CreateUserDto, ListUsersQuery, UpdateUserDto, UserDto } from './dto/user.dto';
import { UserRole } from '../access/principal';
import { TokenService } from './token.service';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

/** Which binding each role needs (required) and may not have (forbidden). */
const BINDINGS: Record<UserRole, { required: (keyof CreateUserDto)[]; allowed: (keyof CreateUserDto)[] }> = {
  admin: { required: [], allowed: [] },
  regulator: { required: ['departmentCode'], allowed: ['departmentCode', 'districtCode'] },
  reviewer: { required: ['departmentCode'], allowed: ['departmentCode', 'districtCode'] },
  institution: { required: ['institutionId'], allowed: ['institutionId'] },
  enterprise: { required: ['uscc'], allowed: ['uscc'] },
};
const BINDING_FIELDS = ['departmentCode', 'districtCode', 'institutionId', 'uscc'] as const;

function toDto(u: User): UserDto {
  const { id, username, role, departmentCode, districtCode, institutionId, uscc, disabledAt, createdAt } = u;
  return { id, username, role, departmentCode, districtCode, institutionId, uscc, disabled: !!disabledAt, createdAt };
}

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: UsersRepository,
    private readonly departments: DepartmentsService,
    private readonly enterprises: EnterprisesService,
    private readonly audit: AuditService,
    private readonly tokens: TokenService,
  ) {}

  /** Creates the first administrator from ADMIN_USERNAME/ADMIN_PASSWORD once; never overwrites. */
  async onApplicationBootstrap(): Promise<void> {
    const { ADMIN_USERNAME: username, ADMIN_PASSWORD: password } = this.config;
    if (!username || !password) return;
    if (await this.repository.nameTaken(username)) return;
    const hash = await argon2.hash(password, { type: argon2.argon2id });
    await this.dataSource.transaction(async (manager) => {
      const row = await this.repository.insertAdmin(manager, username, hash);
      if (!row) return; // another replica created it first
      await this.audit.record(
        manager,
        { type: 'system', id: null, name: 'bootstrap', requestId: null },
        {
          action: 'user.create',
          entityType: 'user',
          entityId: row.id,
          after: { id: row.id, username, role: 'admin' },
        },
      );
      this.logger.log(`created the first administrator "${username}"`);
    });
  }

  async create(dto: CreateUserDto, actor: Actor): Promise<UserDto> {
    await this.checkBindings(dto);
    const hash = await argon2.hash(dto.password, { type: argon2.argon2id });
    const created = this.audit.change(actor, async (manager) => {
      const saved = await this.repository.insert(manager, {
        username: dto.username,
        passwordHash: hash,
        role: dto.role,
        departmentCode: dto.departmentCode ?? null,
        districtCode: dto.districtCode ?? null,
        institutionId: dto.institutionId ?? null,
        uscc: dto.uscc ?? null,
      });
      const after = toDto(await this.repository.get(manager, saved.id));
      return { result: after, entry: { action: 'user.create', entityType: 'user', entityId: after.id, after } };
    });
    return mapConstraintErrors(created, {
      unique: () =>
        Problem.conflict('duplicate-user', {
          en: `User name ${dto.username} is taken`,
          zh: `用户名 ${dto.username} 已被使用`,
        }),
      foreignKey: (constraint) =>
        constraint?.includes('district')
          ? Problem.validation([{ field: 'districtCode', message: `district ${dto.districtCode} does not exist` }])
          : Problem.validation([
              { field: 'institutionId', message: `institution ${dto.institutionId} does not exist` },
            ]),
    });
  }

  /**
   * Disables or enables a user, sets a new password, changes a regulator's district, or binds an
   * enterprise user to another (registered) enterprise.
   * Disabling and a new password end every token issued before (the token version moves on);
   * once committed, the change is announced so every replica reads the user afresh.
   */
  async update(id: string, dto: UpdateUserDto, actor: Actor): Promise<UserDto> {
    if (
      dto.disabled === undefined &&
      dto.password === undefined &&
      dto.districtCode === undefined &&
      dto.uscc === undefined
    ) {
      throw Problem.validation([
        { field: 'disabled', message: 'give disabled, password, districtCode or uscc to change' },
      ]);
    }
    if (dto.uscc !== undefined && !(await this.enterprises.exists(dto.uscc))) {
      throw Problem.validation([{ field: 'uscc', message: `enterprise ${dto.uscc} is not registered` }]);
    }
    if (dto.disabled && actor.type === 'user' && actor.id === id) {
      throw Problem.conflict('cannot-disable-self', {
        en: 'Administrators cannot disable their own account',
        zh: '管理员不能停用自己的账户',
      });
    }
    const hash = dto.password === undefined ? undefined : await argon2.hash(dto.password, { type: argon2.argon2id });
    const updated = this.audit.change(actor, async (manager) => {
      const user = await this.repository.lock(manager, id);
      if (!user) throw Problem.notFound('User', id);
      const districtRoles = BINDINGS[user.role].allowed;
      if (dto.districtCode !== undefined && !districtRoles.includes('districtCode')) {
        throw Problem.validation([{ field: 'districtCode', message: `does not apply to a ${user.role}` }]);
      }
      if (dto.uscc !== undefined && user.role !== 'enterprise') {
        throw Problem.validation([{ field: 'uscc', message: `does not apply to a ${user.role}` }]);
      }
      const disabling = dto.disabled === true && !user.disabledAt;
      await this.repository.update(manager, id, {
        ...(dto.disabled === undefined ? {} : { disabledAt: dto.disabled ? (user.disabledAt ?? new Date()) : null }),
        ...(hash === undefined ? {} : { passwordHash: hash }),
        ...(dto.districtCode === undefined ? {} : { districtCode: dto.districtCode }),
        ...(dto.uscc === undefined ? {} : { uscc: dto.uscc }),
        ...(disabling || hash !== undefined ? { tokenVersion: user.tokenVersion + 1 } : {}),
      });
      const after = toDto(await this.repository.get(manager, id));
      return {
        result: after,
        entry: {
          action: 'user.update',
          entityType: 'user',
          entityId: id,
          before: toDto(user),
          after: { ...after, ...(hash === undefined ? {} : { passwordChanged: true }) },
        },
      };
    });
    const result = await mapConstraintErrors(updated, {
      foreignKey: () =>
        Problem.validation([{ field: 'districtCode', message: `district ${dto.districtCode} does not exist` }]),
    });
    await this.tokens.usersChanged([id]);
    return result;
  }

  /** Each role's binding: a regulator department, an institution, or a registered enterprise. */
  private async checkBindings(dto: CreateUserDto): Promise<void> {
    const { required, allowed } = BINDINGS[dto.role];
    const errors: FieldError[] = [];
    for (const field of required) {
      if (dto[field] === undefined) errors.push({ field, message: `is required for a ${dto.role}` });
    }
    for (const field of BINDING_FIELDS) {
      if (dto[field] !== undefined && !allowed.includes(field))
        errors.push({ field, message: `does not apply to a ${dto.role}` });
    }
    if (errors.length) throw Problem.validation(errors);
    if (dto.departmentCode) {
      const department = await this.departments.requireActive(dto.departmentCode, 'departmentCode');
      if (department.kind !== 'regulator') {
        throw Problem.validation([
          {
            field: 'departmentCode',
            message: `${dto.role}s belong to a regulator department; ${dto.departmentCode} is ${department.kind}`,
          },
        ]);
      }
    }
    if (dto.uscc && !(await this.enterprises.exists(dto.uscc))) {
      throw Problem.validation([{ field: 'uscc', message: `enterprise ${dto.uscc} is not registered` }]);
    }
  }

  /** One user, for the administrators' pages. */
  async get(id: string): Promise<UserDto> {
    const user = await this.repository.find(id);
    if (!user) throw Problem.notFound('User', id);
    return toDto(user);
  }

  /** The id of the user with this name (any case), or null. */
  idOf(username: string): Promise<string | null> {
    return this.repository.idOf(username);
  }

  async list(query: ListUsersQuery): Promise<Page<UserDto>> {
    const [rows, total] = await this.repository.page(query);
    return pageOf(rows.map(toDto), total, query);
  }

  /** The user with this name (enabled or not) and their password hash, for login only. */
  findForLogin(username: string): Promise<User | null> {
    return this.repository.findForLogin(username);
  }
}
