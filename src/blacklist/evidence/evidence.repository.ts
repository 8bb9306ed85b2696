import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EvidenceFileDto } from '../dto/blacklist.dto';
import type { StagedFile } from './evidence-store';

/** Which filing the files belong to: an objection or a repair application of the entry. */
export type EvidenceOwner = { entryId: string } & ({ objectionId: string } | { repairApplicationId: string });

/** A file's row, with the filing it belongs to. */
export interface EvidenceRow extends EvidenceFileDto {
  entryId: string;
  objectionId: string | null;
  repairApplicationId: string | null;
}

const COLUMNS = `id::text, entry_id::text AS "entryId", objection_id::text AS "objectionId",
  repair_application_id::text AS "repairApplicationId", original_name AS name, content_type AS "contentType",
  size_bytes AS size, sha256, uploaded_by AS "uploadedBy", uploaded_at AS "uploadedAt"`;

/** blacklist_evidence_files: the rows that name each evidence file kept in EVIDENCE_DIR. */
@Injectable()
export class EvidenceRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The files' rows, in one statement, in the filing's transaction. */
  async insert(
    manager: EntityManager,
    owner: EvidenceOwner,
    files: StagedFile[],
    uploader: { name: string; role: string; at: Date },
  ): Promise<void> {
    if (!files.length) return;
    await manager.query(
      `INSERT INTO blacklist_evidence_files (id, entry_id, objection_id, repair_application_id, original_name,
                                             content_type, size_bytes, sha256, uploaded_by, uploaded_role, uploaded_at)
       SELECT f.id, $1, $2, $3, f.name, f.type, f.size, f.sha256, $4, $5, $6
         FROM unnest($7::uuid[], $8::text[], $9::text[], $10::int[], $11::text[])
              WITH ORDINALITY AS f (id, name, type, size, sha256, n)
        ORDER BY f.n`,
      [
        owner.entryId,
        'objectionId' in owner ? owner.objectionId : null,
        'repairApplicationId' in owner ? owner.repairApplicationId : null,
        uploader.name,
        uploader.role,
        uploader.at,
        files.map((f) => f.id),
        files.map((f) => f.name),
        files.map((f) => f.contentType),
        files.map((f) => f.size),
        files.map((f) => f.sha256),
      ],
    );
  }

  /** Every file of the entry, in the order uploaded. */
  ofEntry(entryId: string, manager: EntityManager = this.db.manager): Promise<EvidenceRow[]> {
    return manager.query(
      `SELECT ${COLUMNS} FROM blacklist_evidence_files WHERE entry_id = $1 ORDER BY uploaded_at, original_name, id`,
      [entryId],
    );
  }

  /** One file of the entry, or undefined. */
  async find(entryId: string, id: string): Promise<EvidenceRow | undefined> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
    const [row] = await this.db.query<EvidenceRow[]>(
      `SELECT ${COLUMNS} FROM blacklist_evidence_files WHERE entry_id = $1 AND id = $2`,
      [entryId, id],
    );
    return row;
  }
}
