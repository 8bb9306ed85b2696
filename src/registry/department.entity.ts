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

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
