export declare function distDir(projectRoot: string): string;
export declare function distFreshness(projectRoot: string): { fresh: boolean; reason: string };
export declare function ensureBuilt(options: {
  projectRoot: string;
  force?: boolean;
  log?: (line: string) => void;
}): Promise<{ built: boolean; durationMs: number }>;
