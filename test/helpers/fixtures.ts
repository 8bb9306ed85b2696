import * as argon2 from 'argon2';
import { TestApp } from './test-app';

/** Real codes (from python-stdnum's tests) that pass both check characters. */
export const CODES = {
  wenzhouLike: '91330100799655058B',
  beijing: '91110000802100433B',
  shenzhen: '91440300708461136T',
};

export const enterpriseBody = (uscc: string, overrides: Record<string, unknown> = {}) => ({
  uscc,
  name: '温州市鹿城阀门有限公司',
  districtCode: '330302',
  industryCode: 'C3443',
  legalRepresentative: '张三',
  address: '温州市鹿城区工业路1号',
  registeredOn: '2008-05-16',
  ...overrides,
});

/** Inserts a user straight into the table (the users API arrives with its own tests). */
export async function insertUser(
  t: TestApp,
  user: {
    username: string;
    password: string;
    role: string;
    departmentCode?: string;
    districtCode?: string;
    uscc?: string;
  },
): Promise<void> {
  await t.sql(
    `INSERT INTO users (username, password_hash, role, department_code, district_code, uscc) VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      user.username,
      await argon2.hash(user.password),
      user.role,
      user.departmentCode ?? null,
      user.districtCode ?? null,
      user.uscc ?? null,
    ],
  );
}
