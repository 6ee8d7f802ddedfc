import { COLOUR_WORDS_ZH } from '@vitrine/catalog';
import type { VqaAnswer } from './answer';

/**
 * A Chinese sentence for an answer about what the picture shows or the catalog's attributes, when the question was
 * asked in Chinese. The value stays as the catalog or vocabulary spells it (in brackets when translated), so the
 * evidence still reads back. Answers that already carry Chinese text, and "I can't tell" replies from the picture
 * path, get a Chinese lead.
 */
export function inChinese(a: VqaAnswer): VqaAnswer {
  if (/\p{Script=Han}/u.test(a.answer)) return a;
  if (!a.answered) return { ...a, answer: `我无法判断。（${a.answer}）` };
  const v = a.value ?? '';
  const colour = COLOUR_WORDS_ZH[v.toLowerCase()];
  const named = colour ? `${colour}（${v}）` : v;
  switch (a.questionType) {
    case 'colour':
      return { ...a, answer: `颜色是${named}。` };
    case 'material':
      return { ...a, answer: `材质是 ${v}。` };
    case 'pattern':
      return { ...a, answer: `图案是 ${v}。` };
    case 'style':
      return { ...a, answer: `风格是 ${v}。` };
    case 'category':
      return { ...a, answer: `它属于 ${v} 类。` };
    case 'yes-no':
      return { ...a, answer: `${v === 'yes' ? '是的' : v === 'no' ? '不是' : v}。（${a.answer}）` };
    case 'size':
    case 'price':
    case 'brand':
    case 'stock':
    case 'catalog-text':
    case 'unknowable':
    case 'open':
      return a;
  }
}
