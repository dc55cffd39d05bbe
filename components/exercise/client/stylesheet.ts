/**
 * Adds a stylesheet when a lazily loaded part needs it. CSS imported normally from a lazy module is
 * put into the page's <head> at build time by Astro, so big CSS (xterm) is imported with `?url` and
 * linked here instead, keeping it out of what loads before the first interaction.
 */
const added = new Map<string, Promise<void>>();

export function addStylesheet(href: string): Promise<void> {
  let loaded = added.get(href);
  if (!loaded) {
    loaded = new Promise((resolve) => {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = href;
      // A missing stylesheet makes the view plainer, not broken: go on either way.
      link.onload = link.onerror = () => resolve();
      document.head.append(link);
    });
    added.set(href, loaded);
  }
  return loaded;
}
