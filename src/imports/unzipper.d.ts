/** The part of unzipper (exceljs's own zip reader, which ships no types) this project uses. */
declare module 'unzipper' {
  interface CentralDirectoryEntry {
    path: string;
    uncompressedSize: number;
  }
  export const Open: { file(path: string): Promise<{ files: CentralDirectoryEntry[] }> };
}
