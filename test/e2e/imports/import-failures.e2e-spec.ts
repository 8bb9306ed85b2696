import { getQueueToken } from '@nestjs/bull';
import type { Job, Queue } from 'bull';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueName } from '../../../src/jobs/queues';
import { CODES, adminAndRegulator, createUser } from '../../helpers/fixtures';
import { multipart } from '../../helpers/multipart';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

const HEADER = 'uscc,type,occurredOn,documentNo,summary\n';
const csv = (documentNo: string) => `${HEADER}${CODES.wenzhouLike},certification,2024-05-05,${documentNo},认证\n`;

/**
 * Imports whose job cannot do its work end, and say so to the uploader: a worker-side fault
 * that outlasts the retries, a file with NUL bytes, an upload directory that cannot be written.
 */
describe('imports that fail', () => {
  let t: TestApp;
  let admin: string;
  let qts: string;
  let scratch: string;
  const logs: string[] = [];
  const capture = { logDestination: { write: (line: string) => void logs.push(line) } };

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'qc-import-failures-'));
    t = await TestApp.start(__filename, { LOG_LEVEL: 'info' }, capture);
    ({ admin, regulator: qts } = await adminAndRegulator(t, { username: 'qts.fail', password: 'importer-pass-1' }, [
      CODES.wenzhouLike,
    ]));
  });
  afterAll(async () => {
    await t.close();
    await rm(scratch, { recursive: true, force: true });
  });

  const upload = (content: Buffer | string, app = t) => {
    const body = multipart({ kind: 'records' }, { name: 'data.csv', content });
    return app.request({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { ...body.headers, authorization: `Bearer ${qts}` },
      body: body.payload,
    });
  };
  const status = async (id: string, app = t) =>
    (await app.request({ method: 'GET', url: `/api/v1/imports/${id}`, token: admin })).json();
  /** Polls until the import is done with; a retry waiting out its back-off is run at once. */
  const finished = (id: string, app: TestApp) =>
    until(
      `import ${id} to finish`,
      async () => {
        const job = await app.app.get<Queue>(getQueueToken(QueueName.Imports)).getJob(id);
        if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
        const body = await status(id, app);
        return !['queued', 'running'].includes(body.status) && body;
      },
      20_000,
      25,
    );

  it('fails an import whose file the worker cannot read, once its last attempt fails, without server paths', async () => {
    await t.shutdown(); // from here on, a worker runs only when a test starts one
    const api = await t.replica(capture, { ROLE: 'api' });
    let worker: TestApp | undefined;
    try {
      const res = await upload(csv('UNREADABLE-1'), api);
      expect(res.statusCode).toBe(202);
      const id: string = res.json().id;
      // The worker finds no file where the upload was stored (a volume not shared, a disk lost).
      await rm(join(t.config.UPLOAD_DIR, `${id}.csv`));
      worker = await api.replica(capture, { ROLE: 'worker' });
      const done = await finished(id, api);
      expect(done).toMatchObject({ status: 'failed', finishedAt: expect.any(String) });
      expect(done.failure).toMatch(/could not be read on the server/);
      expect(done.failure).toMatch(/upload it again/i);
      expect(done.failure).not.toContain(t.config.UPLOAD_DIR);
      expect(done.failure).not.toMatch(/ENOENT|\.csv/);
      const job = await api.app.get<Queue>(getQueueToken(QueueName.Imports)).getJob(id);
      expect(job?.attemptsMade).toBe(5);
      // The operator finds the real cause in the log.
      expect(logs.map((l) => JSON.parse(l))).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            level: 50,
            msg: expect.stringContaining(`imports job import-file ${id} failed for good after 5 attempt(s): ENOENT`),
          }),
        ]),
      );
    } finally {
      await worker?.close();
      await api.close();
    }
  });

  it('runs again an unfinished import whose earlier job failed, when a worker starts', async () => {
    const api = await t.replica(capture, { ROLE: 'api' });
    let worker: TestApp | undefined;
    try {
      const res = await upload(csv('REQUEUED-1'), api);
      const id: string = res.json().id;
      // A job that failed for good while the import stayed unfinished (its worker died before it
      // could record the failure, or an earlier version left it so): its id is kept in Redis.
      const queue = api.app.get<Queue>(getQueueToken(QueueName.Imports));
      const job = (await queue.getNextJob()) as Job;
      expect(job.id).toBe(id);
      job.discard();
      await job.moveToFailed({ message: 'the worker could not read the upload' });
      expect(await job.getState()).toBe('failed');
      expect((await status(id, api)).status).toBe('queued');
      // The fault is fixed and a worker starts: it requeues the import, and this time it runs.
      worker = await api.replica(capture, { ROLE: 'worker' });
      const done = await finished(id, api);
      expect(done).toMatchObject({ status: 'completed', importedRows: 1, failure: null });
    } finally {
      await worker?.close();
      await api.close();
    }
  });

  it('reports rows with a NUL byte as bad rows and imports the rest', async () => {
    const worker = await t.replica(capture, { ROLE: 'all' });
    try {
      const content = Buffer.concat([
        Buffer.from(`${HEADER}${CODES.wenzhouLike},certification,2024-05-05,NUL-1,认证\n`),
        Buffer.from(`${CODES.wenzhouLike},certification,2024-05-05,NUL-2,认\0证\n`),
        Buffer.from(`${CODES.wenzhouLike},certification,2024-05-05,NUL-3\0,认证\n`),
      ]);
      const res = await upload(content, worker);
      expect(res.statusCode).toBe(202);
      const done = await finished(res.json().id, worker);
      expect(done).toMatchObject({ status: 'completed', totalRows: 3, importedRows: 1, rejectedRows: 2 });
      expect(done.errors).toEqual([
        { row: 3, field: 'summary', message: 'contains a NUL character' },
        { row: 4, field: 'documentNo', message: 'contains a NUL character' },
      ]);
      // A NUL in the header: the file cannot be read at all, refused on upload.
      const header = await upload(Buffer.from('uscc,ty\0pe\n1,2\n'), worker);
      expect(header.statusCode).toBe(400);
      expect(header.json().detail).toContain('NUL character');
    } finally {
      await worker.close();
    }
  });

  it('answers 503 without a server path, and logs an error, when the upload directory cannot be written', async () => {
    const before = await t.sql(`SELECT id FROM imports`);
    const notADirectory = join(scratch, 'a-file');
    await writeFile(notADirectory, 'x');
    // /sys refuses new files even to root; a path under a regular file cannot be created.
    for (const dir of ['/sys', join(notADirectory, 'uploads')]) {
      const api = await t.replica(capture, { ROLE: 'api', UPLOAD_DIR: dir });
      try {
        logs.length = 0;
        const res = await upload(csv(`DIR-${dir.length}`), api);
        expect(res.statusCode).toBe(503);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.headers['retry-after']).toBeDefined();
        expect(res.json()).toMatchObject({ status: 503, type: expect.stringContaining('upload-storage-unavailable') });
        expect(res.body).not.toContain(dir);
        expect(res.body).not.toMatch(/EACCES|ENOTDIR|ENOENT/);
        const errors = logs.map((l) => JSON.parse(l)).filter((l) => l.level >= 50);
        expect(errors).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ err: expect.objectContaining({ code: expect.stringMatching(/^E[A-Z]+$/) }) }),
          ]),
        );
      } finally {
        await api.close();
      }
    }
    expect(await t.sql(`SELECT id FROM imports`)).toEqual(before);
  });

  it('answers a 500 that quotes the request id, not a 400, when the import cannot be recorded', async () => {
    const api = await t.replica(capture, { ROLE: 'api' });
    await t.sql(`ALTER TABLE imports RENAME TO imports_away`);
    try {
      const res = await upload(csv('DB-1'), api);
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ type: expect.stringContaining('internal-error') });
      expect(res.body).not.toContain('imports');
    } finally {
      await t.sql(`ALTER TABLE imports_away RENAME TO imports`);
      await api.close();
    }
  });

  it('answers 400 naming `id` for an import id that is not a UUID, however it is spelt', async () => {
    const api = await t.replica(capture, { ROLE: 'api' });
    try {
      for (const id of ['a'.repeat(36), '-'.repeat(36), 'not-a-uuid']) {
        const res = await api.request({ method: 'GET', url: `/api/v1/imports/${id}`, token: admin });
        expect(res.statusCode).toBe(400);
        expect(res.json().errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
      }
    } finally {
      await api.close();
    }
  });

  it('refuses a file name with control characters with 400 naming `file`, and records nothing', async () => {
    const before = await t.sql(`SELECT id FROM imports`);
    const api = await t.replica(capture, { ROLE: 'api' });
    const named = (disposition: string) => {
      const boundary = 'qc-control-name';
      const payload = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nrecords\r\n`),
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; ${disposition}\r\n`),
        Buffer.from(`Content-Type: text/csv\r\n\r\n${csv('NAMED-1')}\r\n--${boundary}--\r\n`),
      ]);
      return api.request({
        method: 'POST',
        url: '/api/v1/imports',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${qts}` },
        body: payload,
      });
    };
    try {
      for (const disposition of [
        'filename="a\0b.csv"',
        "filename*=UTF-8''a%00b.csv",
        "filename*=UTF-8''a%1Bb.csv",
        'filename="a\x07b.csv"',
      ]) {
        const res = await named(disposition);
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json().errors).toEqual([{ field: 'file', message: expect.stringContaining('control characters') }]);
      }
      expect(await t.sql(`SELECT id FROM imports`)).toEqual(before);
      const plain = await named("filename*=UTF-8''%E8%AE%B0%E5%BD%95.csv");
      expect(plain.statusCode).toBe(202);
      expect(plain.json().fileName).toBe('记录.csv');
    } finally {
      await api.close();
    }
  });

  it("fails, without importing a row, an import whose uploader's account was disabled before it ran", async () => {
    await t.shutdown(); // no worker until the account is disabled
    const api = await t.replica(capture, { ROLE: 'api' });
    let worker: TestApp | undefined;
    try {
      const leaver = await createUser(api, admin, {
        username: 'qts.leaver',
        password: 'importer-pass-2',
        role: 'regulator',
        departmentCode: 'QTS',
      });
      const body = multipart({ kind: 'records' }, { name: 'data.csv', content: csv('DISABLED-1') });
      const res = await api.request({
        method: 'POST',
        url: '/api/v1/imports',
        headers: { ...body.headers, authorization: `Bearer ${leaver}` },
        body: body.payload,
      });
      expect(res.statusCode).toBe(202);
      const id: string = res.json().id;
      const [{ id: userId }] = await t.sql(`SELECT id FROM users WHERE username = 'qts.leaver'`);
      const disabled = await api.request({
        method: 'PATCH',
        url: `/api/v1/users/${userId}`,
        token: admin,
        body: { disabled: true },
      });
      expect(disabled.statusCode).toBe(200);
      worker = await api.replica(capture, { ROLE: 'worker' });
      const done = await finished(id, api);
      expect(done).toMatchObject({ status: 'failed', importedRows: 0, finishedAt: expect.any(String) });
      expect(done.failure).toMatch(/qts\.leaver.*disabled/);
      expect(await t.sql(`SELECT 1 FROM credit_records WHERE document_no = 'DISABLED-1'`)).toEqual([]);
    } finally {
      await worker?.close();
      await api.close();
    }
  });

  it('ends failed an import whose job failed for good while its failure could not be recorded', async () => {
    await t.shutdown(); // no worker until the test starts one
    const api = await t.replica(capture, { ROLE: 'api' });
    let worker: TestApp | undefined;
    await t.sql(`CREATE FUNCTION refuse_failed() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION 'the database is away'; END $$`);
    // While the job fails, the import cannot be marked failed (as if the database were down).
    await t.sql(`CREATE TRIGGER refuse_failed BEFORE UPDATE ON imports FOR EACH ROW
                 WHEN (NEW.status = 'failed') EXECUTE FUNCTION refuse_failed()`);
    let trigger = true;
    try {
      const res = await upload(csv('SWEPT-1'), api);
      const id: string = res.json().id;
      await rm(join(t.config.UPLOAD_DIR, `${id}.csv`));
      logs.length = 0;
      worker = await api.replica(capture, { ROLE: 'worker', IMPORT_SWEEP_MS: '200' });
      const queue = api.app.get<Queue>(getQueueToken(QueueName.Imports));
      await until(
        `import ${id}'s job to fail for good`,
        async () => {
          const job = await queue.getJob(id);
          if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
          return Boolean(job && (await job.isFailed()));
        },
        20_000,
        25,
      );
      await until('the failure listener to give up', async () =>
        logs.some((l) => JSON.parse(l).msg === `recording the failure of imports job import-file ${id} failed`),
      );
      expect((await status(id, api)).status).toBe('queued');
      // The database is back: the worker's sweep ends the import, as the listener would have.
      await t.sql(`DROP TRIGGER refuse_failed ON imports`);
      trigger = false;
      const done = await until(
        `import ${id} to be swept`,
        async () => {
          const body = await status(id, api);
          return body.status !== 'queued' && body;
        },
        5_000,
        25,
      );
      expect(done).toMatchObject({ status: 'failed', finishedAt: expect.any(String) });
      expect(done.failure).toMatch(/could not be read on the server/);
      expect(done.failure).not.toMatch(/ENOENT|\.csv/);
    } finally {
      if (trigger) await t.sql(`DROP TRIGGER refuse_failed ON imports`);
      await t.sql(`DROP FUNCTION refuse_failed()`);
      await worker?.close();
      await api.close();
    }
  });
});
