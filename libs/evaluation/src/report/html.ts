/**
 * The pieces every evaluation report is made of: escaping, the page shell, tables and inline SVG charts. A report is
 * one self-contained HTML file: inline CSS, inline SVG, pictures as data URIs, and a Content-Security-Policy that
 * forbids the browser to fetch anything, so a report opened from a mail or a CI artefact shows the same offline.
 */

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string | number): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Trusted markup: built by these helpers from escaped parts. A plain string is always escaped. */
export interface Html {
  readonly html: string;
}

export const raw = (html: string): Html => ({ html });

/** A tagged template that escapes every interpolated value unless it is {@link Html} (or an array of it). */
export function markup(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return raw(out);
}

export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (typeof v === 'string' || typeof v === 'number') return escapeHtml(v);
  if (Array.isArray(v)) return (v as readonly HtmlValue[]).map(render).join('');
  return (v as Html).html;
}

const CSS = `
:root{--fg:#1f2430;--muted:#5b6373;--line:#dfe3ea;--bg:#f6f7f9;--card:#fff;--good:#1a7f37;--bad:#c62828;--accent:#2457c5}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1f2a44;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#c9d2e6;font-size:13px}
main{padding:8px 28px 28px;max-width:1280px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:16px 0}
section h2{margin:0 0 10px;font-size:17px}
section h3.kind{margin:14px 0 8px;font-size:15px}
section{overflow-x:auto}
section>p.note{margin:-4px 0 10px;color:var(--muted);font-size:12.5px}
.row{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
.cols{display:grid;grid-template-columns:minmax(0,1.1fr) minmax(0,1fr);gap:0 16px;align-items:start}
.cols>div>section:first-child,.cols>section{margin-top:16px}
@media (max-width:1000px){.cols{grid-template-columns:1fr}}
svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child,table.l2 th:nth-child(2),table.l2 td:nth-child(2){text-align:left}
th{font-weight:600;color:var(--muted);font-size:12.5px}
td.l{text-align:left;white-space:normal}
.pass{color:var(--good);font-weight:600}.fail{color:var(--bad);font-weight:600}
svg text{font:11px system-ui,sans-serif;fill:#3b4252}
svg .axis{stroke:#9aa3b2}svg .grid{stroke:#eceff4}
.gallery{display:grid;grid-template-columns:1fr;gap:10px}
.case{display:grid;grid-template-columns:210px 120px 1fr;gap:12px;border:1px solid var(--line);border-radius:6px;padding:8px 10px;align-items:start}
.case.chat{grid-template-columns:210px 1fr}
.case h3{margin:0;font-size:14px;word-break:break-word}
.case .meta{color:var(--muted);font-size:12px}
.tiles{display:flex;gap:8px;flex-wrap:wrap}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px}
.card{display:flex;gap:10px;border:1px solid var(--line);border-radius:6px;padding:8px 10px;align-items:flex-start}
.card h3{margin:0 0 4px;font-size:14px}.card p{margin:0 0 4px}.card .meta{color:var(--muted);font-size:12px}
figure{margin:0;width:104px;font-size:11.5px;text-align:center}
figure img,figure .noimg{width:72px;height:72px;display:block;margin:0 auto 3px;border:1px solid var(--line);border-radius:4px;background:#fff}
figure .noimg{display:flex;align-items:center;justify-content:center;color:var(--muted);font-size:10px}
figure.hit img{outline:3px solid var(--good)}
figure figcaption{word-break:break-word}
figure b{display:block;color:var(--muted);font-weight:600}
.rank{font-weight:700}.rank.miss{color:var(--bad)}
.chips{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:6px}
.chips li{border:1px solid var(--line);border-radius:12px;padding:2px 10px;font-size:12.5px}
.chips .meta{color:var(--muted)}
.turns{margin:6px 0 0;padding-left:18px}.turns li{margin:2px 0}
details summary{cursor:pointer}
footer{color:var(--muted);font-size:12px;padding:0 28px 24px}
`;

/** The page: head with its no-network policy and styles, a header, the sections, a footer. */
export function page(options: {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: readonly Html[];
  readonly footer: string;
  readonly lang?: string;
}): string {
  return (
    '<!doctype html>\n' +
    markup`<html lang="${options.lang ?? 'en'}">
      <head>
        <meta charset="utf-8" />
        <meta
          http-equiv="Content-Security-Policy"
          content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title}</title>
        <style>
          ${raw(CSS)}
        </style>
      </head>
      <body>
        <header>
          <h1>${options.title}</h1>
          <p>${options.subtitle}</p>
        </header>
        <main>${options.sections}</main>
        <footer>${options.footer}</footer>
      </body>
    </html> `.html
  );
}

/** A section with its id (the tests and links find sections by it), a heading and an optional note. */
export function section(id: string, title: string, body: HtmlValue, note?: string): Html {
  return markup`<section id="${id}">
    <h2>${title}</h2>
    ${note ? markup`<p class="note">${note}</p>` : ''}${body}
  </section> `;
}

/**
 * A table: the first `leftColumns` columns (1 or 2) left-aligned, the others right-aligned (numbers). Cells are
 * escaped unless Html.
 */
export function table(
  head: readonly string[],
  rows: readonly (readonly HtmlValue[])[],
  leftColumns: 1 | 2 = 1,
): Html {
  return markup`<table${leftColumns === 2 ? raw(' class="l2"') : ''}><thead><tr>${head.map((h) => markup`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map((r) => markup`<tr>${r.map((c) => markup`<td>${c}</td>`)}</tr>`)}</tbody></table>`;
}

/** Coordinates with one decimal: enough for a chart, and short in the file. */
const round1 = (v: number) => Math.round(v * 10) / 10;

export const percent = (x: number) => (Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(1)}%`);
export const fixed = (x: number, digits = 3) => (Number.isNaN(x) ? 'n/a' : x.toFixed(digits));

/** Colours of chart series, in order; distinguishable in print and for the common colour-vision deficiencies. */
export const SERIES_COLOURS = ['#2457c5', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#5c940d', '#0b7285'];

export interface LineSeries {
  readonly name: string;
  /** y values for x = 1..n. */
  readonly values: readonly number[];
  readonly colour: string;
  readonly dashed?: boolean;
}

/**
 * A line chart of y in [0, 1] over x = 1..n (recall@K curves): grid every 0.2, x ticks at 1 and every 10, a legend
 * that also gives each series' value at the last x.
 */
export function lineChart(
  series: readonly LineSeries[],
  options: { readonly xLabel: string; readonly yLabel: string; readonly label: string },
): Html {
  const w = 520;
  const plotH = 250;
  const m = { left: 44, right: 14, top: 12, bottom: 36 };
  const h = plotH + 8 + series.length * 17;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const x = (k: number) => round1(m.left + ((k - 1) / Math.max(1, n - 1)) * (w - m.left - m.right));
  const y = (v: number) => round1(m.top + (1 - v) * (plotH - m.top - m.bottom));
  const yTicks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const xTicks = [1, ...Array.from({ length: Math.floor(n / 10) }, (_, i) => (i + 1) * 10)].filter(
    (k) => k <= n,
  );
  const path = (values: readonly number[]) =>
    values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`).join('');
  const dash = (s: LineSeries) => (s.dashed ? raw(' stroke-dasharray="6 4"') : '');
  const grid = yTicks.map(
    (t) =>
      markup`<line class="grid" x1="${m.left}" x2="${w - m.right}" y1="${y(t)}" y2="${y(t)}"/><text x="${m.left - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(1)}</text>`,
  );
  const ticks = xTicks.map(
    (k) =>
      markup`<line class="axis" x1="${x(k)}" x2="${x(k)}" y1="${plotH - m.bottom}" y2="${plotH - m.bottom + 4}"/><text x="${x(k)}" y="${plotH - m.bottom + 16}" text-anchor="middle">${k}</text>`,
  );
  const lines = series.map(
    (s) =>
      markup`<path d="${path(s.values)}" fill="none" stroke="${s.colour}" stroke-width="2"${dash(s)}><title>${s.name}</title></path>`,
  );
  const legend = series.map((s, i) => {
    const ly = plotH + 6 + i * 17;
    const last = s.values[s.values.length - 1] ?? 0;
    return markup`<line x1="${m.left}" x2="${m.left + 26}" y1="${ly}" y2="${ly}" stroke="${s.colour}" stroke-width="2"${dash(s)}/><text x="${m.left + 32}" y="${ly + 4}">${s.name}: ${fixed(last, 2)} at K = ${s.values.length}</text>`;
  });
  const axes = markup`<line class="axis" x1="${m.left}" x2="${w - m.right}" y1="${plotH - m.bottom}" y2="${plotH - m.bottom}"/><line class="axis" x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${plotH - m.bottom}"/><text x="${(m.left + w - m.right) / 2}" y="${plotH - 6}" text-anchor="middle">${options.xLabel}</text><text transform="translate(12 ${(m.top + plotH - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${options.yLabel}</text>`;
  return markup`<svg role="img" aria-label="${options.label}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${grid}${ticks}${axes}${lines}${legend}</svg>`;
}

export interface BarRow {
  readonly label: string;
  /** Bars of this row, one per series, each in [0, 1]; `null` when the series has no data for the row. */
  readonly bars: readonly ({
    readonly value: number;
    readonly back?: number;
    readonly title: string;
  } | null)[];
  readonly note?: string;
}

/**
 * Horizontal bars in [0, 1], one group per row and one bar per series: `value` solid, `back` (optional, ≥ value) as
 * a paler bar behind it, e.g. R@1 in front of R@10.
 */
export function barChart(
  rows: readonly BarRow[],
  series: readonly { readonly name: string; readonly colour: string }[],
  options: { readonly label: string; readonly legend: string },
): Html {
  const labelW = 190;
  const plotW = 380;
  const barH = 10;
  const gap = 7;
  const groupH = series.length * (barH + 2) + gap;
  const top = 26;
  const h = top + rows.length * groupH + 22;
  const w = labelW + plotW + 160;
  const x = (v: number) => round1(labelW + Math.max(0, Math.min(1, v)) * plotW);
  return markup`<svg
    role="img"
    aria-label="${options.label}"
    width="${w}"
    height="${h}"
    viewBox="0 0 ${w} ${h}"
  >
    ${series.map(
      (s, i) =>
        markup`<rect x="${labelW + i * 120}" y="4" width="12" height="10" fill="${s.colour}" /><text
            x="${labelW + 16 + i * 120}"
            y="13"
            >${s.name}</text
          >`,
    )}
    <text x="${labelW + series.length * 120}" y="13" fill="#5b6373">${options.legend}</text>
    ${[0, 0.25, 0.5, 0.75, 1].map(
      (t) =>
        markup`<line class="grid" x1="${x(t)}" x2="${x(t)}" y1="${top - 4}" y2="${h - 20}" /><text
            x="${x(t)}"
            y="${h - 6}"
            text-anchor="middle"
            >${t.toFixed(2)}</text
          >`,
    )}
    ${rows.map((r, ri) => {
      const gy = top + ri * groupH;
      return markup`<text x="${labelW - 8}" y="${gy + (series.length * (barH + 2)) / 2 + 4}" text-anchor="end"
          >${r.label}${r.note ? ` (${r.note})` : ''}</text
        >${r.bars.map((b, si) => {
          if (!b) return '';
          const by = gy + si * (barH + 2);
          const colour = series[si]!.colour;
          return markup`${b.back !== undefined ? markup`<rect x="${labelW}" y="${by}" width="${(x(b.back) - labelW).toFixed(1)}" height="${barH}" fill="${colour}" opacity="0.28" />` : ''}<rect
              x="${labelW}"
              y="${by}"
              width="${(x(b.value) - labelW).toFixed(1)}"
              height="${barH}"
              fill="${colour}"
              ><title>${b.title}</title></rect
            ><text x="${x(b.back ?? b.value) + 4}" y="${by + barH - 1}">${b.title}</text>`;
        })}`;
    })}
  </svg>`;
}

/** A picture tile: a data-URI thumbnail (or a grey box saying there is none), a bold line and a caption. */
export function tile(options: {
  readonly src?: string;
  readonly alt: string;
  readonly head: HtmlValue;
  readonly caption: HtmlValue;
  readonly hit?: boolean;
}): Html {
  // Only inline pictures: a report never makes the browser fetch anything.
  const src = options.src?.startsWith('data:image/') ? options.src : undefined;
  return markup`<figure${options.hit ? raw(' class="hit"') : ''}>${
    src
      ? markup`<img src="${src}" alt="${options.alt}" width="72" height="72" />`
      : markup`<span class="noimg" role="img" aria-label="${options.alt}">no picture</span>`
  }<b>${options.head}</b><figcaption>${options.caption}</figcaption></figure>`;
}
