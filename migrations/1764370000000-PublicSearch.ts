import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the public search of enterprises (`GET /api/v1/public/enterprises?q=`), which must
 * find a name by any fragment of one Chinese character or more, or a code by its prefix, in
 * well under 50 ms on a million names.
 *
 * - **Fragments: a GIN index over the name's characters and character pairs.** pg_trgm cuts
 *   text into three-character grams and can answer nothing shorter than three characters
 *   (most Chinese queries are one to three), and pg_bigm is not packaged here. So
 *   `name_grams(name)` lists the single characters and adjacent pairs of the lower-cased name
 *   (GIN keeps each key once) (温州瓯海阀门有限公司 → 温, 州, …, 温州, 州瓯, 瓯海, …) and a GIN index holds them. A
 *   one-character query is `name_grams(name) @> ARRAY[q]`, which the index answers exactly; a
 *   longer query asks for all its pairs (`search_grams(q)`) and is rechecked with
 *   `strpos(lower(name), lower(q)) > 0`, since pairs found apart do not make the fragment.
 *   About 24 keys per name of 12 characters, stored as compressed posting lists.
 * - **Name prefixes: a btree on `lower(name)` in byte order (COLLATE "C")**, so that
 *   `lower(name) COLLATE "C" LIKE 'q%'` is an index range read in name order, which is the
 *   order of the "name starts with" rank; `id` in the key makes the order total and lets a
 *   count be an index-only scan.
 * - **Code prefixes** use the unique index on `uscc`, already in byte order (COLLATE "C").
 *
 * The functions are IMMUTABLE (they read nothing but their argument) so they can index.
 */
export class PublicSearch1764370000000 implements MigrationInterface {
  name = 'PublicSearch1764370000000';

  async up(q: QueryRunner): Promise<void> {
    // PL/pgSQL rather than SQL: a SQL function with a subquery costs about 15 µs a call, this
    // loop about 8, and the function runs once for each matching row a search reads in id order.
    await q.query(`
      CREATE FUNCTION name_grams(name text) RETURNS text[]
      LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
      DECLARE
        chars text[] := string_to_array(lower(name), NULL);
        grams text[] := chars;
      BEGIN
        FOR i IN 1 .. cardinality(chars) - 1 LOOP
          grams := grams || (chars[i] || chars[i + 1]);
        END LOOP;
        RETURN grams;
      END $$`);
    await q.query(`
      CREATE FUNCTION search_grams(query text) RETURNS text[]
      LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
      DECLARE
        chars text[] := string_to_array(lower(query), NULL);
        grams text[] := '{}';
      BEGIN
        IF cardinality(chars) = 1 THEN
          RETURN chars;
        END IF;
        FOR i IN 1 .. cardinality(chars) - 1 LOOP
          grams := grams || (chars[i] || chars[i + 1]);
        END LOOP;
        RETURN grams;
      END $$`);
    await q.query(`CREATE INDEX ix_enterprises_name_grams ON enterprises USING gin (name_grams(name))`);
    await q.query(`CREATE INDEX ix_enterprises_name_prefix ON enterprises ((lower(name)) COLLATE "C", id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_enterprises_name_prefix`);
    await q.query(`DROP INDEX ix_enterprises_name_grams`);
    await q.query(`DROP FUNCTION search_grams(text)`);
    await q.query(`DROP FUNCTION name_grams(text)`);
  }
}
