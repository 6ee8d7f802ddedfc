import type { Product } from '@vitrine/catalog';
import {
  attributeText,
  catalogAttribute,
  formatPrice,
  usableAsFact,
  type AttributeName,
  type ColourNamer,
  type StoredAttribute,
} from '@vitrine/attributes';
import { cantTell, type VqaAnswer } from './answer';
import type { RoutedQuestion } from './question-router';

const SIZE_KEYS = ['size', 'sizes', 'dimensions', 'weight', 'volume', 'capacity', 'capacityMl'];

/** The product's facts as lines for a text model ("brand: Acme"). */
export function factLines(product: Product, stored: readonly StoredAttribute[] = []): string[] {
  const lines = [`title: ${product.title}`];
  if (product.brand) lines.push(`brand: ${product.brand}`);
  if (product.category) lines.push(`category: ${product.category}`);
  if (product.price) lines.push(`price: ${formatPrice(product.price)}`);
  lines.push(`availability: ${product.inStock ? 'in stock' : 'out of stock'}`);
  for (const [k, v] of Object.entries(product.attributes)) {
    const t = attributeText(v);
    if (t && k !== 'popularity') lines.push(`${k}: ${t}`);
  }
  for (const s of stored)
    lines.push(`${s.attribute} (seen in the picture, ${Math.round(s.confidence * 100)}% sure): ${s.value}`);
  return lines;
}

const fact = (
  q: RoutedQuestion,
  answer: string,
  value: string,
  explanation: string,
  source: VqaAnswer['source'] = 'catalog',
  confidence = 1,
): VqaAnswer => ({ answer, value, answered: true, confidence, source, questionType: q.type, explanation });

/**
 * The answer the catalog already knows, or undefined when the picture must be looked at. Price, brand, stock and
 * size come only from here (a missing one is "I can't tell"); colour, material, pattern, style and category come
 * from the merchant's fields first, then from attributes extracted earlier that are usable as facts
 * ({@link usableAsFact}).
 */
export function answerFromCatalog(
  q: RoutedQuestion,
  product: Product,
  stored: readonly StoredAttribute[],
  colours: ColourNamer,
  minConfidence: number,
): VqaAnswer | undefined {
  const storedFor = (a: AttributeName) =>
    stored
      .filter((s) => s.attribute === a && usableAsFact(s, product, minConfidence))
      // Pixels first: for colour they are model-free evidence; otherwise the most confident.
      .sort(
        (x, y) =>
          Number(y.source === 'pixels') - Number(x.source === 'pixels') || y.confidence - x.confidence,
      )[0];

  switch (q.type) {
    case 'price':
      return product.price
        ? fact(q, `It costs ${formatPrice(product.price)}.`, formatPrice(product.price), 'catalog price')
        : cantTell(q.type, 'the catalog has no price for this product');
    case 'brand':
      return product.brand
        ? fact(q, `It's made by ${product.brand}.`, product.brand, 'catalog brand')
        : cantTell(q.type, 'the catalog has no brand for this product');
    case 'stock':
      return fact(
        q,
        product.inStock ? "Yes, it's in stock." : "No, it's out of stock.",
        product.inStock ? 'in stock' : 'out of stock',
        'catalog stock flag',
      );
    case 'size': {
      const found = SIZE_KEYS.map((k) => [k, attributeText(product.attributes[k])] as const).filter(
        ([, v]) => v,
      );
      return found.length
        ? fact(
            q,
            `${found.map(([k, v]) => `${k[0]!.toUpperCase()}${k.slice(1)}: ${v}`).join('; ')}.`,
            found.map(([, v]) => v).join('; '),
            `catalog attributes ${found.map(([k]) => k).join(', ')}`,
          )
        : cantTell(q.type, 'the catalog has no size, weight or volume for this product');
    }
    case 'category':
      return product.category
        ? fact(
            q,
            `It's ${product.title}, in ${product.category}.`,
            product.category,
            'catalog title and category',
          )
        : undefined;
    case 'colour':
    case 'material':
    case 'pattern':
    case 'style': {
      const known = catalogAttribute(product, q.type);
      if (known) return fact(q, sentence(q.type, known), known, `catalog attribute ${q.type}`);
      const s = storedFor(q.type);
      return s
        ? fact(
            q,
            sentence(q.type, s.value),
            s.value,
            `${q.type} extracted from the picture (${s.source}, ${s.modelId})`,
            'stored-attributes',
            s.confidence,
          )
        : undefined;
    }
    case 'yes-no': {
      const t = q.yesNo;
      if (!t) return undefined;
      if (t.kind === 'stock') {
        const yes = t.negated ? !product.inStock : product.inStock;
        return fact(
          q,
          `${yes ? 'Yes' : 'No'}, it's ${product.inStock ? 'in stock' : 'out of stock'}.`,
          yes ? 'yes' : 'no',
          'catalog stock flag',
        );
      }
      if (t.kind !== 'attribute') return undefined;
      const known = catalogAttribute(product, t.attribute);
      const fromCatalog = known !== undefined;
      const s = fromCatalog ? undefined : storedFor(t.attribute);
      const actual = known ?? s?.value;
      if (actual === undefined) return undefined;
      const same =
        t.attribute === 'colour'
          ? (colours.canonical(actual) ?? actual.toLowerCase()) === t.value
          : actual.toLowerCase() === t.value.toLowerCase();
      return fact(
        q,
        same ? `Yes, it's ${actual}.` : `No, it's ${actual}.`,
        same ? 'yes' : 'no',
        fromCatalog
          ? `catalog attribute ${t.attribute}`
          : `${t.attribute} extracted from the picture (${s!.source})`,
        fromCatalog ? 'catalog' : 'stored-attributes',
        fromCatalog ? 1 : s!.confidence,
      );
    }
    case 'open':
      return undefined;
  }
}

function sentence(attribute: AttributeName, value: string): string {
  switch (attribute) {
    case 'colour':
      return `It's ${value}.`;
    case 'material':
      return `It's made of ${value}.`;
    case 'pattern':
      return `It has a ${value} pattern.`;
    case 'style':
      return `Its style is ${value}.`;
    case 'category':
      return `It's in ${value}.`;
  }
}
