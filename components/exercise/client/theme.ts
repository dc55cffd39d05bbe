/**
 * The page's colour scheme, from `prefers-color-scheme`. Monaco and xterm cannot read CSS custom
 * properties, so they ask here and are told when the system setting changes.
 */
export type ColorScheme = 'light' | 'dark';

const query = () => window.matchMedia('(prefers-color-scheme: dark)');

export function colorScheme(): ColorScheme {
  return query().matches ? 'dark' : 'light';
}

/** Calls `listener` whenever the scheme changes; returns the unsubscribe. */
export function onColorSchemeChange(listener: (scheme: ColorScheme) => void): () => void {
  const media = query();
  const handler = () => listener(media.matches ? 'dark' : 'light');
  media.addEventListener('change', handler);
  return () => media.removeEventListener('change', handler);
}
