import { sniffEvidenceType } from './evidence-type';

describe('sniffEvidenceType', () => {
  it.each([
    ['%PDF-1.7\n', 'application/pdf'],
    ['\xff\xd8\xff\xe0\x00\x10JFIF', 'image/jpeg'],
    ['\x89PNG\r\n\x1a\n\x00\x00', 'image/png'],
  ])('reads %j as %s', (head, type) => {
    expect(sniffEvidenceType(Buffer.from(head, 'latin1'))).toBe(type);
  });

  it.each([
    ['an .exe', 'MZ\x90\x00\x03\x00\x00\x00'],
    ['a zip (docx, xlsx)', 'PK\x03\x04\x14\x00'],
    ['text that mentions %PDF- later', 'see %PDF-1.4'],
    ['a PNG cut short', '\x89PNG\r\n'],
    ['nothing', ''],
  ])('refuses %s', (_what, head) => {
    expect(sniffEvidenceType(Buffer.from(head, 'latin1'))).toBeNull();
  });
});
