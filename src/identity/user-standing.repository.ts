import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A user's name and whether the account is disabled: for work queued in their name that runs later. */
export interface UserStanding {
  username: string;
  disabled: boolean;
}

@Injectable()
export class UserStandingRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async find(userId: string): Promise<UserStanding | undefined> {
    const [row]: UserStanding[] = await this.db.query(
      `SELECT username, disabled_at IS NOT NULL AS disabled FROM users WHERE id = $1`,
      [userId],
    );
    return row;
  }
}
