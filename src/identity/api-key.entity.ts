import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ApiScope } from '../access/principal';

@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  institutionId!: string;

  /** The visible start of the key (`qck_` and 12 hex digits), for support and logs. */
  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  /** SHA-256 of the whole key; the key itself is never stored. */
  @Column({ type: 'char', length: 64, select: false })
  keyHash!: string;

  /** The name given at issue, if any. */
  @Column({ type: 'text', nullable: true })
  label!: string | null;

  @Column({ type: 'text', array: true })
  scopes!: ApiScope[];

  @Column('integer')
  rateLimitPerMinute!: number;

  @Column({ type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  revokedBy!: string | null;
}
