import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The register: districts and departments (reference data from the design's data folder,
 * copied here so that the migration stands alone), enterprises, users, and settings.
 */
export class Foundation1764280000000 implements MigrationInterface {
  name = 'Foundation1764280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    await q.query(`
      CREATE TABLE districts (
        code        varchar(6) PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
        name_zh     text NOT NULL,
        name_en     text NOT NULL,
        level       text NOT NULL CHECK (level IN ('city', 'district', 'county', 'county-level city'))
      )`);
    await q.query(`
      INSERT INTO districts (code, name_zh, name_en, level) VALUES
        ('330300', '温州市', 'Wenzhou (city level)', 'city'),
        ('330302', '鹿城区', 'Lucheng District', 'district'),
        ('330303', '龙湾区', 'Longwan District', 'district'),
        ('330304', '瓯海区', 'Ouhai District', 'district'),
        ('330305', '洞头区', 'Dongtou District', 'district'),
        ('330324', '永嘉县', 'Yongjia County', 'county'),
        ('330326', '平阳县', 'Pingyang County', 'county'),
        ('330327', '苍南县', 'Cangnan County', 'county'),
        ('330328', '文成县', 'Wencheng County', 'county'),
        ('330329', '泰顺县', 'Taishun County', 'county'),
        ('330381', '瑞安市', 'Rui''an', 'county-level city'),
        ('330382', '乐清市', 'Yueqing', 'county-level city'),
        ('330383', '龙港市', 'Longgang', 'county-level city')`);

    await q.query(`
      CREATE TABLE departments (
        code        varchar(16) PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,15}$'),
        name_zh     text NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 200),
        name_en     text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
        kind        text NOT NULL CHECK (kind IN ('regulator', 'coordinator', 'finance', 'tax')),
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      INSERT INTO departments (code, name_zh, name_en, kind) VALUES
        ('QTS', '温州市质量技术监督局', 'Wenzhou Bureau of Quality and Technical Supervision', 'regulator'),
        ('AMR', '温州市市场监督管理局', 'Wenzhou Market Supervision Administration', 'regulator'),
        ('EPB', '温州市环境保护局', 'Wenzhou Environmental Protection Bureau', 'regulator'),
        ('HUD', '温州市住房和城乡建设委员会', 'Wenzhou Housing and Urban-Rural Development Commission', 'regulator'),
        ('TOUR', '温州市旅游局', 'Wenzhou Tourism Bureau', 'regulator'),
        ('CIQ', '温州出入境检验检疫局', 'Wenzhou Entry-Exit Inspection and Quarantine Bureau', 'regulator'),
        ('NDRC', '温州市发展和改革委员会', 'Wenzhou Development and Reform Commission', 'coordinator'),
        ('PBOC', '中国人民银行温州市中心支行', 'People''s Bank of China Wenzhou Central Sub-branch', 'finance'),
        ('STAX', '温州市国家税务局', 'Wenzhou State Taxation Bureau', 'tax'),
        ('LTAX', '温州市财政局(地方税务局)', 'Wenzhou Finance Bureau (Local Taxation)', 'tax')`);

    await q.query(`
      CREATE TABLE enterprises (
        id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        uscc                 varchar(18) COLLATE "C" NOT NULL CHECK (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
        name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        district_code        varchar(6) NOT NULL REFERENCES districts (code),
        industry_code        varchar(5) CHECK (industry_code ~ '^[A-T]([0-9]{2,4})?$'),
        legal_representative text CHECK (length(legal_representative) <= 100),
        address              text CHECK (length(address) <= 300),
        registered_on        date,
        status               text NOT NULL DEFAULT 'active'
                             CHECK (status IN ('active', 'suspended', 'revoked', 'cancelled')),
        created_at           timestamptz NOT NULL DEFAULT now(),
        updated_at           timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_enterprises_uscc UNIQUE (uscc)
      )`);
    await q.query(`CREATE INDEX ix_enterprises_district ON enterprises (district_code)`);
    await q.query(`CREATE INDEX ix_enterprises_name_trgm ON enterprises USING gin (name gin_trgm_ops)`);

    await q.query(`
      CREATE TABLE users (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username        varchar(64) NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{3,64}$'),
        password_hash   text NOT NULL,
        role            text NOT NULL CHECK (role IN ('admin', 'regulator', 'reviewer', 'institution', 'enterprise')),
        department_code varchar(16) REFERENCES departments (code),
        district_code   varchar(6) REFERENCES districts (code),
        uscc            varchar(18) COLLATE "C",
        disabled_at     timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_users_username ON users (lower(username))`);

    await q.query(`
      CREATE TABLE app_settings (
        key         text PRIMARY KEY,
        value       text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE app_settings, users, enterprises, departments, districts`);
  }
}
