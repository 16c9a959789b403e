// Azurite ships no type declarations for its server modules; these cover what we use.
declare module 'azurite/dist/src/table/TableServer.js' {
  export default class TableServer {
    constructor(config: unknown);
    start(): Promise<void>;
    close(): Promise<void>;
    clean(): Promise<void>;
    getHttpServerAddress(): string;
  }
}
declare module 'azurite/dist/src/table/TableConfiguration.js' {
  export default class TableConfiguration {
    constructor(...args: unknown[]);
  }
}
declare module 'azurite/dist/src/queue/QueueServer.js' {
  export default class QueueServer {
    constructor(config: unknown);
    start(): Promise<void>;
    close(): Promise<void>;
    clean(): Promise<void>;
    getHttpServerAddress(): string;
  }
}
declare module 'azurite/dist/src/queue/QueueConfiguration.js' {
  export default class QueueConfiguration {
    constructor(...args: unknown[]);
  }
}
