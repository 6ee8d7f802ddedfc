export const DESCRIPTION_STYLES = ['short', 'detailed', 'bullets', 'seo'] as const;
/** `short`: one sentence; `detailed`: a paragraph; `bullets`: one fact per line; `seo`: a meta description (≤ 160 characters). */
export type DescriptionStyle = (typeof DESCRIPTION_STYLES)[number];
