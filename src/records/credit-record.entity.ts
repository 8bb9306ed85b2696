import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Hotline, RecordType, Severity } from './record-rules';

/** One quality-credit event. Rows are never changed: a correction is a new row that supersedes. */
@Entity('credit_records')
export class CreditRecord {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('bigint')
  enterpriseId!: string;

  @Column('text')
  type!: RecordType;

  @Column({ type: 'text', nullable: true })
  severity!: Severity | null;

  @Column('date')
  occurredOn!: string;

  @Column('text')
  documentNo!: string;

  @Column('text')
  summary!: string;

  @Column({ type: 'varchar', length: 5, nullable: true })
  hotline!: Hotline | null;

  /** The department that handles complaints from the hotline. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  handledBy!: string | null;

  @Column('boolean')
  disclosed!: boolean;

  /** The department that made the record; kept through mergers and renames. */
  @Column({ type: 'varchar', length: 16 })
  departmentCode!: string;

  @Column({ type: 'bigint', nullable: true })
  supersedesId!: string | null;

  @Column({ type: 'text', nullable: true })
  correction!: 'withdraw' | 'amend' | null;

  @Column({ type: 'text', nullable: true })
  correctionReason!: string | null;

  @Column({ type: 'text', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
