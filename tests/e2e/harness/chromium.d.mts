import type { Browser, BrowserServer } from 'playwright-core';
export declare const CHROMIUM_ARGS: string[];
export declare function chromiumExecutable(): string;
export declare function launchChromiumServer(): Promise<BrowserServer>;
export declare function launchChromium(): Promise<Browser>;
