import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A legacy credit code that fails its check character but is genuine, allowed by an admin. */
@Entity('uscc_allowlist')
export class UsccAllowListEntry {
  @PrimaryColumn({ type: 'varchar', length: 18 })
  uscc!: string;

  @Column('text')
  reason!: string;

  @Column({ type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
