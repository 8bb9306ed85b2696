import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('districts')
export class District {
  @PrimaryColumn({ type: 'varchar', length: 6 })
  code!: string;

  @Column('text')
  nameZh!: string;

  @Column('text')
  nameEn!: string;

  @Column('text')
  level!: string;
}
