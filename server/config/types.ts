/**
 * The typed server configuration. Durations are milliseconds unless noted; see {@link ../config.ts}.
 * @module
 */

import type { LogFormat } from "../logger.ts";

/** TLS files of a listener. */
export interface TlsConfig {
  enabled: boolean;
  /** Generate a self-signed certificate when the files are missing. */
  selfSigned: boolean;
  certFile: string;
  keyFile: string;
}

/** `[http]` */
export interface HttpConfig {
  enabled: boolean;
  /** `host:port`; see {@linkcode parseAddress}. */
  address: string;
  /** Bytes. */
  maxRequestSize: number;
  webUi: boolean;
  cors: {
    enabled: boolean;
    allowedMethods: string[];
    allowedOrigins: string[];
    allowedHeaders: string[];
    exposedHeaders: string[];
    allowCredentials: boolean;
    allowPrivateNetwork: boolean;
  };
  jwt: {
    algorithm: string;
    issuer: string;
    audience: string;
    validIssuers: string[];
    validAudiences: string[];
    /** Microseconds; `u64::MAX` = never. */
    accessTokenExpiry: bigint;
    /** Milliseconds. */
    clockSkew: number;
    /** Milliseconds. */
    notBefore: number;
    encodingSecret: string;
    decodingSecret: string;
    useBase64Secret: boolean;
    trustedIssuers: {
      issuer: string;
      audience: string;
      jwksUrl: string;
      userId: number;
    }[];
  };
  metrics: { enabled: boolean; endpoint: string };
  tls: { enabled: boolean; certFile: string; keyFile: string };
}

/** `[tcp]` */
export interface TcpConfig {
  enabled: boolean;
  address: string;
  ipv6: boolean;
  socketMigration: boolean;
  tls: TlsConfig;
  socket: {
    overrideDefaults: boolean;
    /** Bytes. */
    recvBufferSize: number;
    /** Bytes. */
    sendBufferSize: number;
    keepalive: boolean;
    nodelay: boolean;
    /** Milliseconds. */
    linger: number;
  };
}

/** `[quic]` */
export interface QuicConfig {
  enabled: boolean;
  address: string;
  maxConcurrentBidiStreams: number;
  /** Bytes. */
  datagramSendBufferSize: number;
  /** Bytes. */
  initialMtu: number;
  /** Bytes. */
  sendWindow: number;
  /** Bytes. */
  receiveWindow: number;
  /** Milliseconds. */
  keepAliveInterval: number;
  /** Milliseconds. */
  maxIdleTimeout: number;
  certificate: { selfSigned: boolean; certFile: string; keyFile: string };
  socket: {
    overrideDefaults: boolean;
    recvBufferSize: number;
    sendBufferSize: number;
    keepalive: boolean;
  };
}

/** `[websocket]` (optional sizes are `undefined` when unset). */
export interface WebSocketConfig {
  enabled: boolean;
  address: string;
  readBufferSize?: number;
  writeBufferSize?: number;
  maxWriteBufferSize?: number;
  maxMessageSize?: number;
  maxFrameSize?: number;
  acceptUnmaskedFrames: boolean;
  tls: TlsConfig;
}

/** `[connections]`: limits and timeouts of the binary transports (TCP, QUIC, WebSocket). */
export interface ConnectionsConfig {
  /** Connections open at once over TCP, QUIC and WebSocket together; 0 = no limit. */
  maxConnections: number;
  /** Connections open at once from one IP address; 0 = no limit. */
  maxConnectionsPerIp: number;
  /** Milliseconds without a complete request after which a connection is closed; 0 = never. */
  idleTimeout: number;
  /** Milliseconds a TLS or QUIC handshake may take; 0 = no deadline. */
  handshakeTimeout: number;
}

/**
 * `[request_limits]`: payload caps of the binary transports (TCP, TLS, QUIC, WebSocket), checked on
 * the frame header before the payload is read; the pre-login cap also bounds the HTTP login bodies.
 */
export interface RequestLimitsConfig {
  /** Bytes: largest request payload read before login. */
  maxUnauthenticatedSize: number;
  /** Bytes: largest SendMessages payload after login. */
  maxSendMessagesSize: number;
}

/** How many segment indexes stay in memory. */
export type CacheIndexes = "all" | "open_segment" | "none";

/** `[system]` */
export interface SystemConfig {
  /** Data root, as written (relative paths are relative to the working directory). */
  path: string;
  backup: { path: string; compatibility: { path: string } };
  state: {
    enforceFsync: boolean;
    /** Fold the metadata log into a new snapshot after this many entries. */
    snapshotEntries: number;
    maxFileOperationRetries: number;
    retryDelay: number;
  };
  runtime: { path: string };
  logging: {
    path: string;
    /** Level directives: `info`, or `info,tcp=debug` (per module). */
    level: string;
    /** Line format of stderr and the log file. */
    format: LogFormat;
    fileEnabled: boolean;
    maxFileSize: number;
    maxTotalSize: number;
    rotationCheckInterval: number;
    retention: number;
    sysinfoPrintInterval: number;
  };
  encryption: { enabled: boolean; key: string };
  compression: { allowOverride: boolean; defaultAlgorithm: string };
  stream: { path: string };
  topic: {
    path: string;
    /** Bytes; `u64::MAX` = unlimited. */
    maxSize: bigint;
    /** Microseconds; `u64::MAX` = never. */
    messageExpiry: bigint;
  };
  partition: {
    path: string;
    enforceFsync: boolean;
    validateChecksum: boolean;
    messagesRequiredToSave: number;
    /** Bytes. */
    sizeOfMessagesRequiredToSave: number;
  };
  segment: {
    /** Bytes. */
    size: number;
    cacheIndexes: CacheIndexes;
    archiveExpired: boolean;
  };
  messageDeduplication: {
    enabled: boolean;
    /** 0 = unbounded. */
    maxEntries: number;
    /** Milliseconds; 0 = entries never expire. */
    expiry: number;
  };
  /** `[system.cache]`: bytes all partition read caches may hold together (0 = no cache). */
  cache: { size: number };
  recovery: { recreateMissingState: boolean };
  memoryPool: { enabled: boolean; size: number; bucketCapacity: number };
  sharding: { cpuAllocation: string };
}

/** A peer node of `[cluster]`; a missing port means the current node's port. */
export interface ClusterNodeConfig {
  name: string;
  ip: string;
  ports: { tcp?: number; quic?: number; http?: number; websocket?: number };
}

/** `[login]`: password workers and the login throttle (not an Iggy 0.8.0 section). */
export interface LoginConfig {
  /** argon2id workers; 0 = from the CPU count. */
  workers: number;
  /** Password checks waiting for a worker at most; past it a login fails at once. */
  queueSize: number;
  /** Milliseconds a verified password is remembered (in memory, as an HMAC); 0 = never. */
  verifiedCache: number;
  throttle: {
    freeFailures: number;
    addressFreeFailures: number;
    /** Milliseconds. */
    baseDelay: number;
    /** Milliseconds. */
    maxDelay: number;
    /** Milliseconds. */
    maxWait: number;
    maxInFlightPerAddress: number;
    /** Milliseconds. */
    forgetAfter: number;
  };
}

/** The whole typed server configuration. Durations are milliseconds unless noted. */
export interface ServerConfig {
  consumerGroup: {
    rebalancingTimeout: number;
    rebalancingCheckInterval: number;
  };
  dataMaintenance: { messages: { cleanerEnabled: boolean; interval: number } };
  http: HttpConfig;
  tcp: TcpConfig;
  quic: QuicConfig;
  websocket: WebSocketConfig;
  connections: ConnectionsConfig;
  requestLimits: RequestLimitsConfig;
  messageSaver: { enabled: boolean; enforceFsync: boolean; interval: number };
  personalAccessToken: {
    maxTokensPerUser: number;
    cleaner: { enabled: boolean; interval: number };
  };
  heartbeat: { enabled: boolean; interval: number };
  login: LoginConfig;
  telemetry: {
    enabled: boolean;
    serviceName: string;
    logs: { transport: string; endpoint: string };
    traces: { transport: string; endpoint: string };
    /** Not in Iggy 0.8.0: where the metrics are pushed (OTLP) when telemetry is enabled. */
    metrics: { transport: string; endpoint: string; interval: number };
  };
  system: SystemConfig;
  cluster: {
    enabled: boolean;
    /** The etcd key prefix: nodes with one name form one cluster. */
    name: string;
    /** Shared secret of the node-to-node channel (at least 16 characters in an etcd cluster). */
    secret: string;
    /** Milliseconds without a keep-alive after which etcd drops a node and its roles. */
    leaseTtl: number;
    /**
     * `cluster.etcd`: `endpoints` is a comma-separated list of URLs (empty = no etcd: the static
     * single-node report of `[cluster.node.others]`); `timeout` bounds each request (ms).
     */
    etcd: { endpoints: string; timeout: number };
    /**
     * `cluster.replication`: partitions with a replication factor above 1 (`enabled`), what a
     * send waits for (`acks`: "quorum", "all" or "leader"), how long (`ackTimeout`, ms), and how
     * long a follower may lag before it leaves the in-sync set (`maxLag`, ms), and whether a
     * replica counts toward an acknowledgement only once the messages are fsynced (`fsync`).
     */
    replication: {
      enabled: boolean;
      acks: string;
      ackTimeout: number;
      maxLag: number;
      fsync: boolean;
    };
    node: {
      /** `lead_partitions = false`: a routing node that leads no partition (forwards them all). */
      current: { name: string; ip: string; leadPartitions: boolean };
      others: ClusterNodeConfig[];
    };
  };
}
