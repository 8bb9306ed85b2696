import type { FastifyReply } from 'fastify';
import type { ReadStream } from 'node:fs';
import { attachment } from '../../common/content-disposition';
import type { EvidenceRow } from './evidence.repository';

/**
 * Sends an evidence file as a download, never shown in the site's origin: its type as read from
 * its content, `nosniff`, a sandbox that runs nothing, and its uploaded name.
 */
export function sendEvidence(reply: FastifyReply, { file, body }: { file: EvidenceRow; body: ReadStream }): void {
  void reply
    .header('Content-Type', file.contentType)
    .header('Content-Length', String(file.size))
    .header('Content-Disposition', attachment(file.name))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Security-Policy', "default-src 'none'; sandbox")
    .header('Cache-Control', 'private, no-store')
    .send(body);
}
