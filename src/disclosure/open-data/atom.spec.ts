import { escapeXml } from '../../common/xml';
import { atomFeed } from './atom';

describe('Atom feed', () => {
  it('escapes markup and drops characters XML forbids', () => {
    expect(escapeXml(`<b>"A&B" 'x'</b>`)).toBe('&lt;b&gt;&quot;A&amp;B&quot; &apos;x&apos;&lt;/b&gt;');
    expect(escapeXml('阀门\u0000\u0007公司\tok\n')).toBe('阀门公司\tok\n');
    expect(escapeXml('😀')).toBe('😀');
  });

  it('writes a feed with one element per field, every text escaped', () => {
    const xml = atomFeed({
      id: 'urn:uuid:00000000-0000-4000-8000-000000000000',
      title: '产品质量黑名单',
      self: 'http://x/feed?a=1&b=2',
      alternate: 'http://x/blacklist',
      author: '温州市',
      updated: new Date('2026-03-02T02:00:00Z'),
      entries: [
        {
          id: 'urn:uuid:11111111-1111-4111-8111-111111111111',
          title: '列入：A&B <公司>',
          updated: new Date('2026-03-01T00:00:00Z'),
          link: 'http://x/blacklist/1',
          summary: '事实 & 理由',
        },
      ],
    });
    expect(xml).toContain('<link rel="self" type="application/atom+xml" href="http://x/feed?a=1&amp;b=2"/>');
    expect(xml).toContain('<title>列入：A&amp;B &lt;公司&gt;</title>');
    expect(xml).toContain('<updated>2026-03-01T00:00:00.000Z</updated>');
    expect(xml).toContain('<summary>事实 &amp; 理由</summary>');
    expect(xml.match(/<entry>/g)).toHaveLength(1);
  });
});
