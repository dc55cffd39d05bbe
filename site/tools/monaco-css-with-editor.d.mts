import type { Plugin } from 'vite';
export declare function monacoCssWithEditor(): Plugin;
