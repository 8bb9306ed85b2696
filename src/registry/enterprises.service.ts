import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { Page, pageOf } from '../common/pagination';
import { FOREIGN_KEY_VIOLATION, pgError, UNIQUE_VIOLATION } from '../common/pg-errors';
import { Problem } from '../common/problem';
import { checkUscc } from '../common/uscc';
import { CreateEnterpriseDto, EnterpriseDto, ListEnterprisesQuery, UpdateEnterpriseDto } from './dto/enterprise.dto';
import { Enterprise } from './enterprise.entity';

const CODE_FRAGMENT = /^[0-9A-HJ-NPQRTUWXY]{2,18}$/;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function toEnterpriseDto(e: Enterprise): EnterpriseDto {
  return {
    uscc: e.uscc,
    name: e.name,
    districtCode: e.districtCode,
    industryCode: e.industryCode,
    legalRepresentative: e.legalRepresentative,
    address: e.address,
    registeredOn: e.registeredOn,
    status: e.status,
    grade: null,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

@Injectable()
export class EnterprisesService {
  constructor(
    @InjectRepository(Enterprise) private readonly enterprises: Repository<Enterprise>,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateEnterpriseDto): Promise<EnterpriseDto> {
    this.assertNotFuture(dto.registeredOn);
    try {
      const saved = await this.enterprises.save(this.enterprises.create({ ...dto }));
      return toEnterpriseDto(await this.enterprises.findOneByOrFail({ id: saved.id }));
    } catch (error) {
      const pg = pgError(error);
      if (pg?.code === UNIQUE_VIOLATION && pg.constraint === 'uq_enterprises_uscc') {
        throw Problem.conflict(
          'duplicate-enterprise',
          `An enterprise with credit code ${dto.uscc} is already registered`,
        );
      }
      if (pg?.code === FOREIGN_KEY_VIOLATION) {
        throw Problem.validation([{ field: 'districtCode', message: `district ${dto.districtCode} does not exist` }]);
      }
      throw error;
    }
  }

  async findOne(uscc: string): Promise<EnterpriseDto> {
    return toEnterpriseDto(await this.load(uscc));
  }

  async update(uscc: string, dto: UpdateEnterpriseDto): Promise<EnterpriseDto> {
    const enterprise = await this.load(uscc);
    const changes = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length === 0) {
      throw Problem.badRequest('empty-update', 'Name at least one of name, address, legalRepresentative, status');
    }
    await this.enterprises.update({ id: enterprise.id }, changes);
    return toEnterpriseDto(await this.enterprises.findOneByOrFail({ id: enterprise.id }));
  }

  async search(query: ListEnterprisesQuery): Promise<Page<EnterpriseDto>> {
    const qb = this.enterprises.createQueryBuilder('e');
    if (query.districtCode) qb.andWhere('e.districtCode = :district', { district: query.districtCode });
    if (query.q) {
      const code = query.q.toUpperCase();
      const byName = 'e.name ILIKE :fragment';
      if (CODE_FRAGMENT.test(code)) {
        qb.andWhere(`(e.uscc LIKE :prefix OR ${byName})`, { prefix: `${escapeLike(code)}%` });
      } else {
        qb.andWhere(byName);
      }
      qb.setParameter('fragment', `%${escapeLike(query.q)}%`);
      // Exact code first, then names that start with the text, then the rest.
      qb.addSelect(`CASE WHEN e.uscc = :code THEN 0 WHEN e.name ILIKE :start THEN 1 ELSE 2 END`, 'rank')
        .setParameters({ code, start: `${escapeLike(query.q)}%` })
        .orderBy('rank');
    }
    qb.addOrderBy('e.uscc').offset(query.offset).limit(query.pageSize);
    const [rows, total] = await qb.getManyAndCount();
    return pageOf(rows.map(toEnterpriseDto), total, query);
  }

  /** The enterprise for a code given in a path; 400 for a malformed code, 404 for an unknown one. */
  private async load(usccInput: string): Promise<Enterprise> {
    const check = checkUscc(usccInput);
    // A path code is looked up, not registered: only its form matters here.
    if (check.valid === false && (check.failure === 'length' || check.failure === 'alphabet')) {
      throw Problem.validation([{ field: 'uscc', message: check.message }]);
    }
    const enterprise = await this.enterprises.findOneBy({ uscc: check.uscc });
    if (!enterprise) throw Problem.notFound('Enterprise', check.uscc);
    return enterprise;
  }

  private assertNotFuture(date: string | undefined): void {
    if (date && date > this.clock.now().toISOString().slice(0, 10)) {
      throw Problem.validation([{ field: 'registeredOn', message: 'must not be in the future' }]);
    }
  }
}
