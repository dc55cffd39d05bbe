/**
 * The page's one progress store, on the browser's localStorage. The exercise islands and the
 * progress panel share it, so an import shows up in the exercises at once. Notices about stored
 * progress that could not be read or saved are shown as soon as they arise.
 */
import { showProgressNotice } from './notice.ts';
import { ProgressStore, type StorageLike } from './store.ts';

let store: ProgressStore | undefined;

export function pageProgress(): ProgressStore {
  if (store) return store;
  store = new ProgressStore(browserStorage());
  store.onNotice(showProgressNotice);
  for (const notice of store.open()) showProgressNotice(notice);
  return store;
}

/** localStorage, or a stand-in that fails the way it would when the browser blocks site data. */
function browserStorage(): StorageLike {
  try {
    return window.localStorage;
  } catch (error) {
    const fail = () => {
      throw error;
    };
    return { getItem: fail, setItem: fail };
  }
}
