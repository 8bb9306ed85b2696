import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const DEPARTMENT_KINDS = ['regulator', 'coordinator', 'finance', 'tax'] as const;
export type DepartmentKind = (typeof DEPARTMENT_KINDS)[number];

@Entity('departments')
export class Department {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  code!: string;

  @Column('text')
  nameZh!: string;

  @Column('text')
  nameEn!: string;

  @Column('text')
  kind!: DepartmentKind;

  /** Set when merged into another department; the row stays, so history keeps its maker. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  successorCode!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  mergedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
