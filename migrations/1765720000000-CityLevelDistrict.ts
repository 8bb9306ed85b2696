import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The city level in a list of districts is 市本级, as Wenzhou's own statistics write it: the row
 * 330300 stands for enterprises registered with the city's bureaus (the development zones), not
 * for the whole city, which the pages call 全市. Only a name still as the foundation wrote it
 * changes; an administrator's own name stays.
 */
export class CityLevelDistrict1765720000000 implements MigrationInterface {
  name = 'CityLevelDistrict1765720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE districts SET name_zh = '市本级' WHERE code = '330300' AND name_zh = '温州市'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE districts SET name_zh = '温州市' WHERE code = '330300' AND name_zh = '市本级'`);
  }
}
