import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ENTERPRISE_STATUSES = ['active', 'suspended', 'revoked', 'cancelled'] as const;
export type EnterpriseStatus = (typeof ENTERPRISE_STATUSES)[number];

@Entity('enterprises')
export class Enterprise {
  /** Internal key for joins from large tables; the public key is `uscc`. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 18 })
  uscc!: string;

  @Column('text')
  name!: string;

  @Column({ type: 'varchar', length: 6 })
  districtCode!: string;

  @Column({ type: 'varchar', length: 5, nullable: true })
  industryCode!: string | null;

  @Column({ type: 'text', nullable: true })
  legalRepresentative!: string | null;

  @Column({ type: 'text', nullable: true })
  address!: string | null;

  @Column({ type: 'date', nullable: true })
  registeredOn!: string | null;

  @Column({ type: 'text', default: 'active' })
  status!: EnterpriseStatus;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
