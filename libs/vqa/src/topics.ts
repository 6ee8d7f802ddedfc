/**
 * What a shopper may ask that neither the picture nor the catalog's plain fields answer. Two kinds:
 *
 * - **unknowable** topics (allergens, certifications, recalls, delivery…): no product picture or catalog row of
 *   this platform can settle them, and a wrong answer can hurt someone. They are never answered, not even "No":
 *   the reply says what Vitrine cannot tell and where the shopper could find out.
 * - **catalog-text** topics (warranty, weight, battery…): the merchant may have written the answer in the title,
 *   the description or an attribute. The answer quotes that text with its field, or says the catalog does not
 *   state it.
 *
 * Patterns run on the normalised question: lower case, punctuation replaced by spaces, padded with one space on
 * each side (English), or the raw text (Chinese).
 */

export const UNKNOWABLE_TOPICS = [
  'allergens',
  'ingredients',
  'health',
  'safety',
  'certification',
  'recall',
  'compatibility',
  'delivery',
  'returns',
  'shelf-life',
  'reviews',
  'orders',
] as const;
export type UnknowableTopic = (typeof UNKNOWABLE_TOPICS)[number];

export const CATALOG_TEXT_TOPICS = [
  'warranty',
  'battery',
  'water-resistance',
  'care',
  'origin',
  'power',
  'packaging',
  'paper',
  'assembly',
  'use',
] as const;
export type CatalogTextTopic = (typeof CATALOG_TEXT_TOPICS)[number];

interface TopicRule<T> {
  readonly topic: T;
  readonly en: RegExp;
  readonly zh: RegExp;
}

/**
 * Phrases that look unknowable but are specs the catalog may state ("dishwasher safe" is care, not safety);
 * checked before {@link UNKNOWABLE_RULES}.
 */
export const CARE_FIRST: TopicRule<CatalogTextTopic> = {
  topic: 'care',
  en: / (dishwasher|dishwashers|microwave|oven|freezer|machine) (safe|proof|washable)| dishwasher | machine wash| hand wash| washable | (wash|washed|washing|washes|clean|cleaned|cleaning) | care instructions | care for /,
  zh: /洗碗机|机洗|手洗|可以洗|能洗|洗吗|怎么洗|经常洗|如何清洗|清洗|保养/,
};

export const UNKNOWABLE_RULES: readonly TopicRule<UnknowableTopic>[] = [
  {
    topic: 'allergens',
    en: / (allergen|allergens|allergy|allergies|allergic|hypoallergenic|nut|nuts|peanut|peanuts|tree nuts|almonds?|hazelnuts?|gluten|gluten free|glutenfree|wheat|lactose|dairy|milk|cheese|butter|cream|soy|soya|eggs?|shellfish|sesame|celiac|coeliac|mustard|celery|lupin|sulphites?|sulfites?) /,
    zh: /过敏|坚果|花生|杏仁|榛子|麸质|麩質|面筋|小麦|乳糖|乳制品|奶制品|大豆|鸡蛋|蛋类|贝类|海鲜|芝麻|乳糜泻/,
  },
  {
    topic: 'ingredients',
    en: / (ingredient|ingredients|contain|contains|containing|vegan|vegetarian|halal|kosher|sugar|sugars|sweetener|calorie|calories|kcal|additives?|preservatives?|palm oil|alcohol|caffeine|gmo|msg|e numbers?|flavour|flavours|flavor|flavors|flavouring|artificial|colourings?|plant based|nutrition|nutritional|nutrients?|protein|fat content|sodium|salt content) /,
    zh: /成分|配料|含有|含不含|有没有添加|素食|纯素|清真|糖分|含糖|热量|卡路里|添加剂|防腐剂|棕榈油|酒精|咖啡因|转基因|味精|营养/,
  },
  {
    topic: 'health',
    en: / (health|healthy|healthier|pregnant|pregnancy|breastfeeding|elderly|allergy sufferers|kidney|blood pressure|cholesterol|baby|babies|infant|infants|toddler|medical|medicine|medication|cure|cures|treat|treats|side effects?|diabetic|diabetics|diabetes|doctor|doctors|toxic|non toxic|poison|poisonous|bpa|carcinogenic|cancer|keto|diet|weight loss|lose weight|sick|illness|eat it|edible) /,
    zh: /健康|孕妇|怀孕|哺乳|婴儿|宝宝|幼儿|医疗|药物|治疗|治病|副作用|糖尿病|医生|有毒|无毒|毒性|双酚|致癌|减肥|节食|能吃|可以吃/,
  },
  {
    topic: 'safety',
    en: / (safe|safety|unsafe|dangerous|danger|hazard|hazardous|choking|flammable|fire risk|catch fire|explode|electric shock|sharp edges|age|ages|aged|for kids|for children|child proof|childproof) /,
    zh: /安全|危险|危害|窒息|易燃|着火|爆炸|触电|几岁|年龄|适合儿童|适合孩子|小孩能/,
  },
  {
    topic: 'certification',
    en: / (certified|certification|certifications|certificate|ce mark|ce marked|fcc|ul listed|iso|fda|approved|eco label|fair trade|fairtrade|fsc|oeko tex|energy star|energy label|energy rating|tested to|standard|standards|compliant|compliance|organic certified|rohs|reach|ethically sourced|ethical|ethically made|sustainably sourced|responsibly sourced|cruelty free|conflict free|carbon neutral) /,
    zh: /认证|证书|合格证|标准|检测|检验|达标|有机认证|能效/,
  },
  {
    topic: 'recall',
    en: / (recall|recalled|recalls|withdrawn|product warning|safety notice) /,
    zh: /召回|下架/,
  },
  {
    topic: 'compatibility',
    en: / (compatible|compatibility|work with|works with|working with|fit my|fits my|fit in my|fit on my|fits on|fit with|support|supports|pair with|pairs with|connect to|connects to|plug into|charger for|iphone|android|windows|mac|macbook|ipad|bluetooth version) /,
    zh: /兼容|适配|适用于|支持|配合|连接|苹果手机|安卓|配得上|能装进|能放进|合适我的/,
  },
  {
    topic: 'delivery',
    en: / (deliver|delivered|delivery|deliveries|shipping|ship|ships to|shipped to|arrive|arrives|arrival|dispatch|dispatched|courier|tracking|track my|postage|send it|when will|how long until|how soon|next day|same day|pick up|pickup|collect in store) /,
    zh: /配送|送货|送到|发货|快递|运费|邮费|包邮|到货|物流|几天到|多久到|什么时候到|自提/,
  },
  {
    topic: 'returns',
    en: / (return|returns|returned|returning|refund|refunds|refunded|exchange|exchanged|money back|send it back|cancel|cancellation) /,
    zh: /退货|退款|换货|退换|七天无理由|退回|取消订单/,
  },
  {
    topic: 'shelf-life',
    en: / (expiry|expire|expires|expired|expiration|best before|use by|shelf life|keep for|keeps for|go off|goes off|stay fresh|stays fresh|how long does it last|how long will it last|once opened|after opening|good for how long|how long is it good) /,
    zh: /保质期|过期|有效期|能放多久|保存多久|新鲜多久/,
  },
  {
    topic: 'reviews',
    en: / (review|reviews|rating|ratings|rated|recommend|any good|worth|worth it|worth buying|good quality|quality|reliable|durable|last long|do people like|best seller|bestseller|popular) /,
    zh: /评价|评论|评分|口碑|推荐吗|值得买|值不值|质量好|质量怎么样|耐用|好用吗|靠谱|畅销/,
  },
  {
    topic: 'orders',
    en: / (my order|order status|where is my|invoice|receipt|payment|pay with|paypal|credit card|installments?|discount code|coupon|voucher) /,
    zh: /我的订单|订单状态|发票|付款|支付|信用卡|分期|优惠券|折扣码/,
  },
];

export const CATALOG_TEXT_RULES: readonly TopicRule<CatalogTextTopic>[] = [
  {
    topic: 'warranty',
    en: / (warranty|warranties|guarantee|guaranteed|guarantees) /,
    zh: /保修|质保|保固|包修/,
  },
  {
    topic: 'battery',
    en: / (battery|batteries|battery life|rechargeable|charge|charging|charged|cordless|mah) /,
    zh: /电池|续航|充电/,
  },
  {
    topic: 'water-resistance',
    en: / (waterproof|water proof|water resistant|water resistance|water repellent|splash proof|ip\d\d|rain) /,
    zh: /防水|防泼水|防雨/,
  },
  {
    topic: 'origin',
    en: / (where (is|was|are|were) (it|this|they) (made|produced|manufactured|grown|from)|made in|country of origin|origin|where (does|do) .*come from|produced|grown|grow|grows|grower|locally) /,
    zh: /产地|哪里生产|哪里产|哪国|原产|种植|本地/,
  },
  {
    topic: 'power',
    en: / (watt|watts|wattage|power|voltage|volts|plug) /,
    zh: /功率|电压|插头/,
  },
  {
    topic: 'packaging',
    en: / (packaging|packed|package|packaged|gift box|gift boxed|gift wrapped|boxed|box) /,
    zh: /包装|礼盒/,
  },
  {
    topic: 'paper',
    en: / (paper|acid free|acid-free|print quality) /,
    zh: /纸张|纸质|什么纸|印刷/,
  },
  {
    topic: 'assembly',
    en: / (assembly|assemble|assembled|put together|instructions|manual) /,
    zh: /组装|安装|说明书/,
  },
  {
    topic: 'use',
    en: / (good for|suitable for|used for|use it for|what is it for|what's it for|whats it for|occasion|occasions) /,
    zh: /适合什么|用途|用来做什么|适用场合/,
  },
];

/**
 * Words whose presence in a catalog sentence makes it evidence for a catalog-text topic (case-insensitive,
 * matched on the sentence).
 */
export const EVIDENCE_WORDS: { readonly [T in CatalogTextTopic]: RegExp } = {
  warranty: /warrant|guarantee|保修|质保/i,
  battery: /batter|rechargeable|charg|mah\b|cordless|电池|续航/i,
  'water-resistance': /waterproof|water[- ]?(resistant|repellent)|splash|\bip[x\d]\d\b|防水/i,
  care: /wash|dishwasher|clean|care|microwave|oven[- ]safe|洗/i,
  origin: /made in|produced in|grown|sourced|from (?:the )?[A-Z][a-z]+|origin|nursery|产地/,
  power: /\b\d+\s?(?:w|watts?|v|volts?)\b|power|plug|功率/i,
  packaging: /pack|box|wrap|包装|礼盒/i,
  paper: /paper|printed|print|纸/i,
  assembly: /assembl|instructions|manual|组装|安装/i,
  use: /good for|suitable for|for (?:the )?[a-z]+ and|perfect for|made to|适合/i,
};

/** How each unknowable topic is named in a reply, and where the shopper could find out. */
export const UNKNOWABLE_REPLIES: {
  readonly [T in UnknowableTopic]: {
    readonly en: { readonly what: string; readonly where: string };
    readonly zh: { readonly what: string; readonly where: string };
  };
} = {
  allergens: {
    en: {
      what: 'whether it contains allergens (nuts, gluten, milk…)',
      where: 'the allergen statement on the packaging or the manufacturer',
    },
    zh: { what: '它是否含有过敏原（坚果、麸质、乳制品等）', where: '包装上的过敏原说明或生产商' },
  },
  ingredients: {
    en: {
      what: 'its ingredients or nutrition beyond what the listing states',
      where: 'the ingredient list and nutrition label on the packaging or the manufacturer',
    },
    zh: { what: '商品信息之外的成分或营养信息', where: '包装上的配料表和营养成分表，或生产商' },
  },
  health: {
    en: {
      what: 'whether it is suitable for your health or situation',
      where: 'the manufacturer’s instructions, and a doctor or pharmacist for medical questions',
    },
    zh: { what: '它是否适合你的健康状况', where: '生产商的使用说明；医疗问题请咨询医生或药剂师' },
  },
  safety: {
    en: {
      what: 'whether it is safe for your use (age, hazards, safe handling)',
      where: 'the safety information and age marking on the product or packaging, or the manufacturer',
    },
    zh: {
      what: '它在你的使用场景下是否安全（适用年龄、危险等）',
      where: '商品或包装上的安全说明和年龄标识，或生产商',
    },
  },
  certification: {
    en: {
      what: 'which certifications or standards it meets',
      where: 'the markings on the product or packaging, or the manufacturer',
    },
    zh: { what: '它通过了哪些认证或标准', where: '商品或包装上的标识，或生产商' },
  },
  recall: {
    en: {
      what: 'whether it has been recalled',
      where: 'the manufacturer and your country’s product-safety authority (in the EU, Safety Gate)',
    },
    zh: { what: '它是否被召回过', where: '生产商及所在国家的产品安全主管部门' },
  },
  compatibility: {
    en: {
      what: 'whether it works with your other products',
      where: 'the manufacturer’s compatibility list or the seller',
    },
    zh: { what: '它是否与你的其他产品兼容', where: '生产商的兼容列表或卖家' },
  },
  delivery: {
    en: {
      what: 'delivery times or costs',
      where: 'the shop’s delivery information at checkout',
    },
    zh: { what: '配送时间或运费', where: '结算时商店提供的配送信息' },
  },
  returns: {
    en: { what: 'the return or refund terms', where: 'the shop’s returns policy or customer service' },
    zh: { what: '退换货或退款规则', where: '商店的退换货政策或客服' },
  },
  'shelf-life': {
    en: {
      what: 'its shelf life or expiry date',
      where: 'the best-before or use-by date on the packaging',
    },
    zh: { what: '它的保质期或过期日期', where: '包装上的保质期或生产日期' },
  },
  reviews: {
    en: {
      what: 'how good or durable it is in use (there are no reviews in the catalog)',
      where: 'customer reviews or independent tests',
    },
    zh: { what: '它的实际使用质量或耐用程度（商品目录中没有评价）', where: '顾客评价或独立评测' },
  },
  orders: {
    en: {
      what: 'anything about orders or payment',
      where: 'your account or the shop’s customer service',
    },
    zh: { what: '订单或付款相关的信息', where: '你的账户或商店客服' },
  },
};

/** How each catalog-text topic is named when the catalog does not state it. */
export const CATALOG_TEXT_NAMES: {
  readonly [T in CatalogTextTopic | 'size']: { readonly en: string; readonly zh: string };
} = {
  warranty: { en: 'its warranty', zh: '保修信息' },
  battery: { en: 'its battery', zh: '电池信息' },
  'water-resistance': { en: 'whether it is waterproof', zh: '是否防水' },
  care: { en: 'how to wash or care for it', zh: '清洗或保养方法' },
  origin: { en: 'where it is made', zh: '产地' },
  power: { en: 'its power or voltage', zh: '功率或电压' },
  packaging: { en: 'its packaging', zh: '包装信息' },
  paper: { en: 'its paper or printing', zh: '纸张或印刷信息' },
  assembly: { en: 'whether it needs assembly', zh: '是否需要组装' },
  use: { en: 'what it is meant for', zh: '用途' },
  size: { en: 'its size, weight or volume', zh: '尺寸、重量或容量' },
};

/** The first rule whose pattern matches, for the question's language. */
export function matchTopic<T>(
  rules: readonly TopicRule<T>[],
  q: string,
  language: 'en' | 'zh',
): T | undefined {
  for (const r of rules) if (r[language].test(q)) return r.topic;
  return undefined;
}
