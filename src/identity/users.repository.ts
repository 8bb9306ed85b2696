import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { UserPrincipal } from '../access/principal';
import type { ListUsersQuery } from './dto/user.dto';
import { User } from './user.entity';

/** A user's principal as the database has it now, and the token version their tokens must carry. */
export interface Standing {
  principal: UserPrincipal;
  tokenVersion: number;
}

/** A user's name and whether the account is disabled: for work queued in their name that runs later. */
export interface UserAccount {
  username: string;
  disabled: boolean;
}

/**
 * The users. Their password hashes are read only for a login. Modules that record who did
 * something by user id (who proposed a listing, who uploaded a file) read names and accounts here.
 */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async nameTaken(username: string): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM users WHERE lower(username) = lower($1)`, [username]);
    return rows.length > 0;
  }

  /** The first administrator, unless a user of that name exists (another replica may have created it first). */
  async insertAdmin(
    manager: EntityManager,
    username: string,
    passwordHash: string,
  ): Promise<{ id: string; username: string; role: string; created_at: Date } | undefined> {
    const [row] = await manager.query(
      `INSERT INTO users (username, password_hash, role) VALUES ($1, $2, 'admin')
       ON CONFLICT ((lower(username))) DO NOTHING RETURNING id, username, role, created_at`,
      [username, passwordHash],
    );
    return row;
  }

  async insert(manager: EntityManager, user: Partial<User>): Promise<User> {
    return manager.save(manager.create(User, user));
  }

  get(manager: EntityManager, id: string): Promise<User> {
    return manager.findOneByOrFail(User, { id });
  }

  /** The user, or null. */
  find(id: string): Promise<User | null> {
    return this.db.getRepository(User).findOneBy({ id });
  }

  async idOf(username: string): Promise<string | null> {
    const [row] = await this.db.query(`SELECT id::text FROM users WHERE lower(username) = lower($1)`, [username]);
    return row?.id ?? null;
  }

  /** The user, locked until the transaction ends. */
  lock(manager: EntityManager, id: string): Promise<User | null> {
    return manager.findOne(User, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async update(manager: EntityManager, id: string, changes: Partial<User>): Promise<void> {
    await manager.update(User, { id }, changes);
  }

  /** A page of users by name, filtered by role and department, and how many match. */
  page(query: ListUsersQuery): Promise<[User[], number]> {
    const qb = this.db
      .getRepository(User)
      .createQueryBuilder('u')
      .orderBy('u.username')
      .offset(query.offset)
      .limit(query.pageSize);
    if (query.role) qb.andWhere('u.role = :role', { role: query.role });
    if (query.departmentCode) qb.andWhere('u.departmentCode = :dept', { dept: query.departmentCode });
    return qb.getManyAndCount();
  }

  /** The user with this name (enabled or not) and their password hash, for login only. */
  findForLogin(username: string): Promise<User | null> {
    return this.db
      .getRepository(User)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.username) = lower(:username)', { username })
      .getOne();
  }

  /** An enabled user's standing, or false when they are unknown or disabled. */
  async standing(userId: string): Promise<Standing | false> {
    const [row] = await this.db.query(
      `SELECT id, username, role, department_code, district_code, institution_id, uscc, token_version
         FROM users WHERE id = $1 AND disabled_at IS NULL`,
      [userId],
    );
    if (!row) return false;
    return {
      tokenVersion: row.token_version,
      principal: {
        kind: 'user',
        userId: row.id,
        username: row.username,
        role: row.role,
        departmentCode: row.department_code,
        districtCode: row.district_code,
        institutionId: row.institution_id,
        uscc: row.uscc,
      },
    };
  }

  /** The user's name and whether the account is disabled (unlike `standing`, disabled users are found). */
  async account(userId: string): Promise<UserAccount | undefined> {
    const [row]: UserAccount[] = await this.db.query(
      `SELECT username, disabled_at IS NOT NULL AS disabled FROM users WHERE id = $1`,
      [userId],
    );
    return row;
  }

  /** The username of each of these users that exists, by id. */
  async namesByIds(ids: string[], manager: EntityManager = this.db.manager): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; username: string }[] = await manager.query(
      `SELECT id::text, username FROM users WHERE id = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, r.username]));
  }
}
