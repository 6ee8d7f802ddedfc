/**
 * The colour names the catalogs and the picture reader use, in Chinese: the demo palette (a value outside it has
 * no Chinese word, and none is guessed). Search writes them into a product's Chinese document; Q&A replies with them.
 */
export const COLOUR_WORDS_ZH: Readonly<Record<string, string>> = {
  black: '黑色',
  grey: '灰色',
  gray: '灰色',
  silver: '银色',
  white: '白色',
  red: '红色',
  orange: '橙色',
  yellow: '黄色',
  green: '绿色',
  blue: '蓝色',
  purple: '紫色',
  pink: '粉色',
  brown: '棕色',
  beige: '米色',
  gold: '金色',
};
