export interface StaticServer {
  /** e.g. http://127.0.0.1:40123/ (with the trailing slash) */
  url: string;
  port: number;
  close(): Promise<void>;
}
export declare function startStaticServer(options: { root: string; port?: number; host?: string }): Promise<StaticServer>;
