import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const INSTITUTION_KINDS = ['bank', 'tax'] as const;
export type InstitutionKind = (typeof INSTITUTION_KINDS)[number];

/** A bank (under the PBOC branch) or a tax office (under a tax department) that consumes data. */
@Entity('institutions')
export class Institution {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  kind!: InstitutionKind;

  @Column({ type: 'varchar', length: 16 })
  departmentCode!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
