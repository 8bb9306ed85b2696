/** The part of unzipper (exceljs's own zip reader, which ships no types) this project uses. */
declare module 'unzipper' {
  interface CentralDirectoryEntry {
    path: string;
    uncompressedSize: number;
  }
  export const Open: { file(path: string): Promise<{ files: CentralDirectoryEntry[] }> };
  /** A zip read entry by entry from its local headers, as exceljs's streaming reader reads it. */
  interface ParsedEntry extends AsyncIterable<Buffer> {
    path: string;
  }
  interface ParseStream extends NodeJS.WritableStream, AsyncIterable<ParsedEntry> {
    destroy(error?: Error): void;
  }
  export function Parse(options: { forceStream: true }): ParseStream;
}
