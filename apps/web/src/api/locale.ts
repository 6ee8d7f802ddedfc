/**
 * The shopper's language for the API's `locale` parameter: the one picked in the header's selector, else the
 * browser's (`navigator.language`). The API answers in it where the catalog has the text and says so in each
 * result's `locale`; otherwise it shows the catalog's own text.
 */
const KEY = 'vitrine.locale';

/** Languages the selector offers (value '' = the browser's). */
export const LANGUAGES: readonly { value: string; label: string }[] = [
  { value: '', label: 'Auto' },
  { value: 'en', label: 'English' },
  { value: 'zh', label: '中文' },
];

export function chosenLocale(): string {
  try {
    return localStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export function chooseLocale(value: string): void {
  try {
    if (value) localStorage.setItem(KEY, value);
    else localStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): the choice lasts for this page only.
  }
}

/** The locale to send, or undefined when neither a choice nor the browser names one. */
export function shopperLocale(): string | undefined {
  const chosen = chosenLocale();
  if (chosen) return chosen;
  const browser = typeof navigator === 'undefined' ? '' : navigator.language;
  return /^[A-Za-z0-9-]{2,35}$/.test(browser) ? browser : undefined;
}
