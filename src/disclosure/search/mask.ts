/** Two-character Chinese surnames: the whole surname stays visible when a name is masked. */
const COMPOUND_SURNAMES = [
  '欧阳',
  '司马',
  '诸葛',
  '上官',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '长孙',
  '宇文',
  '司徒',
  '夏侯',
  '轩辕',
  '令狐',
  '钟离',
  '端木',
  '澹台',
  '公冶',
  '濮阳',
  '淳于',
  '单于',
  '太叔',
  '申屠',
  '呼延',
  '闻人',
  '南宫',
  '赫连',
  '百里',
  '东郭',
  '西门',
  '第五',
  '万俟',
  '独孤',
  '拓跋',
  '司空',
  '左丘',
  '梁丘',
  '闾丘',
];

/**
 * A person's name as the public may see it: the surname kept, every other character a `*`
 * (张三 → 张*, 欧阳修文 → 欧阳**). A name of one character is all stars; a name that is not
 * Chinese keeps its first character only. Counts characters, not UTF-16 units.
 */
export function maskPersonName(name: string | null): string | null {
  if (name === null) return null;
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return '*'.repeat(chars.length);
  const kept = chars.length > 2 && COMPOUND_SURNAMES.includes(chars.slice(0, 2).join('')) ? 2 : 1;
  return chars.slice(0, kept).join('') + '*'.repeat(chars.length - kept);
}
