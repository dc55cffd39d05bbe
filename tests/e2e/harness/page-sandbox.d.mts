import type { Page } from 'playwright-core';
import type { SupervisedSandbox } from '../../../sandboxes/worker/supervisor.ts';
export declare function sandboxClientPath(distDir: string): string;
export declare function pageSandbox(page: Page, clientPath: string): SupervisedSandbox;
export declare function disposePageSandbox(page: Page): Promise<void>;
