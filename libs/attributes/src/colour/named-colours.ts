import { deltaE, parseHex, srgbToLab, type Lab } from './lab';

/** A colour name and the sRGB anchors that stand for it (several shades per name). */
export interface NamedColour {
  readonly name: string;
  readonly anchors: readonly string[];
}

/**
 * The default colour vocabulary: 13 names a shopper uses, each with a few anchor shades. Names are what the
 * answers and the stored attributes say, so they match the vocabulary of the zero-shot colour prompts.
 */
export const DEFAULT_NAMED_COLOURS: readonly NamedColour[] = [
  { name: 'black', anchors: ['#232323', '#000000'] },
  { name: 'grey', anchors: ['#808080', '#5f5f5f'] },
  { name: 'silver', anchors: ['#c3c3c8', '#a9a9ae'] },
  { name: 'white', anchors: ['#f5f5f5', '#ffffff'] },
  { name: 'red', anchors: ['#d2282d', '#b01e23', '#ff2a2a', '#dc143c'] },
  { name: 'orange', anchors: ['#f58c23', '#ff7f00'] },
  { name: 'yellow', anchors: ['#fad23c', '#ffe600'] },
  { name: 'green', anchors: ['#46a046', '#1e7a32', '#8fd14f'] },
  { name: 'blue', anchors: ['#2d6ed2', '#1e3c8c', '#5aaaf0'] },
  { name: 'purple', anchors: ['#8750af', '#5a2d82'] },
  { name: 'pink', anchors: ['#f087af', '#ff69b4'] },
  { name: 'brown', anchors: ['#87552d', '#5c3a1e'] },
  { name: 'beige', anchors: ['#e1c396', '#f0dcb4'] },
];

/** Colour names people use interchangeably, folded to the vocabulary's spelling. */
export const COLOUR_SYNONYMS: Readonly<Record<string, string>> = {
  gray: 'grey',
  violet: 'purple',
  navy: 'blue',
  tan: 'beige',
  cream: 'beige',
  crimson: 'red',
};

/** Maps L*a*b* colours to the nearest named colour (nearest anchor, CIE76). */
export class ColourNamer {
  private readonly anchors: ReadonlyArray<{ readonly name: string; readonly lab: Lab }>;

  constructor(readonly palette: readonly NamedColour[] = DEFAULT_NAMED_COLOURS) {
    if (palette.length === 0) throw new RangeError('the colour palette is empty');
    this.anchors = palette.flatMap((c) =>
      c.anchors.map((hex) => ({ name: c.name, lab: srgbToLab(...parseHex(hex)) })),
    );
  }

  get names(): string[] {
    return this.palette.map((c) => c.name);
  }

  /** The nearest name and its distance. */
  name(lab: Lab): { readonly name: string; readonly distance: number } {
    let best = this.anchors[0]!;
    let bd = Infinity;
    for (const a of this.anchors) {
      const d = deltaE(lab, a.lab);
      if (d < bd) [bd, best] = [d, a];
    }
    return { name: best.name, distance: bd };
  }

  /** A colour word of the vocabulary (or a synonym) in canonical spelling, or undefined. */
  canonical(word: string): string | undefined {
    const w = word.toLowerCase().trim();
    const folded = COLOUR_SYNONYMS[w] ?? w;
    return this.palette.some((c) => c.name === folded) ? folded : undefined;
  }
}
