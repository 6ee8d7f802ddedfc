import type { Lang, OutOfScopeTopic } from '@vitrine/nlu';
import type { ChatFilters, ReferenceProblem, ShownProduct } from './state';

/** Templated replies of the embedded dialogue manager, in the shopper's language. Every fact comes from a card. */

const money = new Intl.NumberFormat('en', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
  useGrouping: false,
});

export function formatMoney(price: { readonly amount: string; readonly currency: string }): string {
  return `${price.currency} ${money.format(Number(price.amount))}`;
}

function bound(value: number, currency: string | undefined): string {
  return currency ? `${currency} ${money.format(value)}` : money.format(value);
}

/** The constraints in force, in words ("red, Shoes, at most EUR 50.00, in stock only"). */
export function describeFilters(f: ChatFilters, lang: Lang): string {
  const parts: string[] = [];
  const zh = lang === 'zh';
  if (f.colour) parts.push(zh ? `颜色：${f.colour}` : f.colour);
  if (f.category) parts.push(zh ? `类别：${f.category}` : f.category);
  if (f.brand) parts.push(zh ? `品牌：${f.brand}` : `by ${f.brand}`);
  if (f.excludeBrands?.length)
    parts.push(zh ? `不含品牌：${f.excludeBrands.join('、')}` : `not ${f.excludeBrands.join(' or ')}`);
  const { min, max } = f.price ?? {};
  if (min !== undefined && max !== undefined)
    parts.push(
      zh
        ? `价格 ${bound(min, f.currency)}–${bound(max, f.currency)}`
        : `${bound(min, f.currency)}–${bound(max, f.currency)}`,
    );
  else if (max !== undefined)
    parts.push(zh ? `不超过 ${bound(max, f.currency)}` : `at most ${bound(max, f.currency)}`);
  else if (min !== undefined)
    parts.push(zh ? `不低于 ${bound(min, f.currency)}` : `at least ${bound(min, f.currency)}`);
  else if (f.currency) parts.push(zh ? `以 ${f.currency} 计价` : `priced in ${f.currency}`);
  if (f.inStock) parts.push(zh ? '仅有货' : 'in stock only');
  return parts.join(zh ? '，' : ', ');
}

export function productLine(p: ShownProduct, position: number, lang: Lang): string {
  const price = p.price ? formatMoney(p.price) : lang === 'zh' ? '无价格' : 'no price listed';
  const stock = lang === 'zh' ? (p.inStock ? '有货' : '缺货') : p.inStock ? 'in stock' : 'out of stock';
  const brand = p.brand ? (lang === 'zh' ? `，${p.brand}` : ` by ${p.brand}`) : '';
  return lang === 'zh'
    ? `${position}. ${p.title}${brand}，${price}，${stock}`
    : `${position}. ${p.title}${brand}, ${price}, ${stock}`;
}

export function listReply(
  products: readonly ShownProduct[],
  firstPosition: number,
  filters: ChatFilters,
  lang: Lang,
  note?: string,
): string {
  const constraints = describeFilters(filters, lang);
  const head =
    lang === 'zh'
      ? `为您找到这些商品${constraints ? `（${constraints}）` : ''}：`
      : `Here ${products.length === 1 ? 'is what I found' : 'are some products'}${constraints ? ` (${constraints})` : ''}:`;
  const lines = products.map((p, i) => productLine(p, firstPosition + i, lang));
  return [head, ...lines, ...(note ? [note] : [])].join('\n');
}

export function noResults(filters: ChatFilters, lang: Lang, more: boolean): string {
  const constraints = describeFilters(filters, lang);
  if (more) return lang === 'zh' ? '没有更多符合条件的商品了。' : 'There are no more products that match.';
  return lang === 'zh'
    ? `没有找到符合条件的商品${constraints ? `（${constraints}）` : ''}。可以放宽条件，或说“重新开始”。`
    : `I found no products that match${constraints ? ` (${constraints})` : ''}. Try loosening a constraint, or say "start over".`;
}

export function colourUnconfirmed(colour: string, lang: Lang): string {
  return lang === 'zh'
    ? `注意：目录中没有标为 ${colour} 的匹配商品；以上商品符合其他条件，但目录没有注明它们的颜色，颜色未经确认。`
    : `Note: no matching product is listed as ${colour} in the catalog; these match the other constraints but list no colour, so their colour is not confirmed.`;
}

export function referenceProblem(problem: ReferenceProblem, lang: Lang): string {
  if (problem === 'nothing-shown')
    return lang === 'zh'
      ? '我还没有给您展示任何商品。您想找什么？'
      : "I haven't shown you any products yet. What are you looking for?";
  return lang === 'zh'
    ? '我不确定您指的是哪一个商品，请用“第一个”“第二个”这样的说法告诉我。'
    : 'I am not sure which product you mean; please say "the first one", "the second one" and so on.';
}

export function productDetails(p: ShownProduct, lang: Lang): string {
  const price = p.price ? formatMoney(p.price) : lang === 'zh' ? '无价格' : 'no price listed';
  if (lang === 'zh')
    return `${p.title}${p.brand ? `（${p.brand}）` : ''}：${price}，${p.inStock ? '有货' : '缺货'}${p.category ? `，类别 ${p.category}` : ''}。`;
  return `${p.title}${p.brand ? ` by ${p.brand}` : ''}: ${price}, ${p.inStock ? 'in stock' : 'out of stock'}${p.category ? `, in ${p.category}` : ''}.`;
}

export function askWhatFor(filters: ChatFilters, lang: Lang): string {
  const constraints = describeFilters(filters, lang);
  return lang === 'zh'
    ? `好的${constraints ? `，我会记住：${constraints}` : ''}。您想找什么商品？`
    : `Sure${constraints ? `, I'll keep that in mind (${constraints})` : ''}. What are you looking for?`;
}

/** A turn mid-conversation whose words name nothing the chat knows: it asks rather than start a search over. */
export function notUnderstood(filters: ChatFilters, lang: Lang): string {
  const constraints = describeFilters(filters, lang);
  return lang === 'zh'
    ? `抱歉，我没有听懂${constraints ? `（当前条件：${constraints}）` : ''}。您可以说“便宜点”“只要有货的”“换成蓝色的”“更多”“按价格排序”，或说“重新开始”去找别的商品。`
    : `Sorry, I did not understand that${constraints ? ` (the constraints in force: ${constraints})` : ''}. You can say "cheaper", "only in stock", "in blue instead", "show more", "sort by price", or "start over" to look for something else.`;
}

export function greeting(lang: Lang): string {
  return lang === 'zh'
    ? '您好！告诉我您想找什么，例如“50欧元以下的红色运动鞋”，也可以发一张图片。'
    : 'Hello! Tell me what you are looking for, e.g. "red sneakers under 50 euros", or send a picture.';
}

export function help(lang: Lang): string {
  return lang === 'zh'
    ? [
        '我可以帮您在本店目录中找商品：',
        '- 描述您想要的：“50欧元以下的红色运动鞋”',
        '- 调整条件：“便宜点”“只要有货的”“换成蓝色的”“不要这个牌子”“按价格排序”“更多”',
        '- 问某个商品：“第一个防水吗？”，比较：“比较前两个”，找类似的：“和第三个类似的”',
        '- 发一张图片找相似商品；说“重新开始”清空条件。',
        '订单、退货和付款问题我无法处理。',
      ].join('\n')
    : [
        "I can help you find products in this shop's catalog:",
        '- describe what you want: "red sneakers under 50 euros"',
        '- refine: "cheaper", "only in stock", "in blue instead", "not that brand", "sort by price", "show more"',
        '- ask about one: "is the first one waterproof?", compare: "compare the first two", "more like the third"',
        '- send a picture to find similar products; say "start over" to clear everything.',
        'I cannot handle orders, returns or payments.',
      ].join('\n');
}

const OUT_OF_SCOPE_EN: Readonly<Record<OutOfScopeTopic, string>> = {
  'order-status':
    "I cannot see orders, so I cannot tell you where yours is. Your order confirmation e-mail or the shop's customer service can.",
  returns:
    "I cannot tell you about returns or refunds: I only know the product catalog. The shop's returns policy or customer service has the answer.",
  payment:
    'I cannot help with payments or billing: I only know the product catalog. Please check the checkout page or contact customer service.',
  delivery:
    "I do not know delivery times or shipping costs: they are not in the product catalog. The shop's delivery information or customer service has them.",
  account: 'I cannot access accounts. Please use the account pages or contact customer service.',
  other: 'That is outside what I can do: I only know the product catalog.',
};
const OUT_OF_SCOPE_ZH: Readonly<Record<OutOfScopeTopic, string>> = {
  'order-status': '我看不到订单信息，无法告诉您订单的状态。请查看订单确认邮件或联系客服。',
  returns: '我无法回答退货或退款问题，我只了解商品目录。请查看本店的退货政策或联系客服。',
  payment: '我无法处理付款或账单问题，我只了解商品目录。请查看结账页面或联系客服。',
  delivery: '我不知道配送时间和运费，它们不在商品目录中。请查看本店的配送说明或联系客服。',
  account: '我无法访问账户。请使用账户页面或联系客服。',
  other: '这超出了我的能力范围，我只了解商品目录。',
};

export function outOfScope(topic: OutOfScopeTopic, lang: Lang): string {
  return (lang === 'zh' ? OUT_OF_SCOPE_ZH : OUT_OF_SCOPE_EN)[topic];
}

export function pictureGone(lang: Lang): string {
  return lang === 'zh'
    ? '我已经没有那张图片了，请再发送一次。'
    : 'I no longer have that picture; please send it again.';
}

export function similarHead(title: string, lang: Lang): string {
  return lang === 'zh' ? `与“${title}”相似的商品：` : `Products similar to "${title}":`;
}

export function compareHead(lang: Lang): string {
  return lang === 'zh' ? '以下是目录中的对比：' : 'Here is how they compare, from the catalog:';
}

export function needTwo(lang: Lang): string {
  return lang === 'zh'
    ? '请告诉我要比较哪几个商品，例如“比较前两个”。'
    : 'Tell me which products to compare, e.g. "compare the first two".';
}

export function whichProduct(lang: Lang): string {
  return lang === 'zh'
    ? '您问的是哪一个商品？例如“第一个防水吗？”'
    : 'Which product do you mean? E.g. "is the first one waterproof?"';
}

export function notIndexed(lang: Lang): string {
  return lang === 'zh'
    ? '这个商品还没有建立索引，暂时无法找到相似商品。'
    : 'That product is not indexed yet, so I cannot find similar ones right now.';
}
