import type { Locator, Page } from 'playwright-core';
export declare function exerciseSection(page: Page, id: string): Locator;
export declare function storeCodeAndReload(page: Page, id: string, code: string): Promise<void>;
export declare function runTests(page: Page, id: string, timeoutMs?: number): Promise<{ text: string; state: string; ms: number }>;
export declare function openEditor(page: Page, id: string, timeoutMs?: number): Promise<number>;
export declare function pasteCode(page: Page, id: string, code: string): Promise<void>;
export declare function terminalText(page: Page, id: string): Promise<string>;
