import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { UserRole } from '../access/principal';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  username!: string;

  /** argon2id; never leaves the identity module. */
  @Column({ type: 'text', select: false })
  passwordHash!: string;

  @Column('text')
  role!: UserRole;

  @Column({ type: 'varchar', length: 16, nullable: true })
  departmentCode!: string | null;

  @Column({ type: 'varchar', length: 6, nullable: true })
  districtCode!: string | null;

  @Column({ type: 'uuid', nullable: true })
  institutionId!: string | null;

  @Column({ type: 'varchar', length: 18, nullable: true })
  uscc!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  /** Carried by each access token; bumped to end every token issued before (disable, new password). */
  @Column({ type: 'integer', default: 0 })
  tokenVersion!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
