package io.aquifer.deploy.config;

import io.aquifer.gateway.GatewayConfig;
import io.aquifer.storage.DirectIo;
import io.aquifer.storage.StorageConfig;
import io.aquifer.storage.codec.CodecKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The node's whole configuration, as read from one YAML file. Every section and key is optional;
 * each default is written once, in the compact constructor of its record. Keys are kebab-case in
 * YAML ({@code data-shards}); {@code deploy/conf/aquifer.yaml} shows them all.
 *
 * @param data the data directory: drives (by default), index, credentials, lock, {@code node.json}
 * @param storage the object store
 * @param s3 the S3 gateway
 * @param admin the admin HTTP endpoint (metrics, health, admin API)
 * @param pfs the parallel-file (pfs) service that {@code aquifer mount} talks to
 * @param log logging
 * @param auth the root user's credentials, when not from the environment or the credentials file
 */
public record NodeConfig(
    String data,
    StorageSection storage,
    S3Section s3,
    AdminSection admin,
    PfsSection pfs,
    LogSection log,
    AuthSection auth) {

  /** Fills in defaults. */
  public NodeConfig {
    data = data == null ? "aquifer-data" : data;
    storage = storage == null ? new StorageSection(null, null, null, null, null) : storage;
    s3 = s3 == null ? new S3Section(null, null, null, null, null, null, null, null, null) : s3;
    admin = admin == null ? new AdminSection(null) : admin;
    pfs = pfs == null ? new PfsSection(null, null, null, null, null, null, null, null, null) : pfs;
    log = log == null ? new LogSection(null, null, null) : log;
    auth = auth == null ? new AuthSection(null, null) : auth;
    if (data.isBlank()) {
      throw new IllegalArgumentException("data: must not be empty");
    }
  }

  /** Every default. */
  public static NodeConfig defaults() {
    return new NodeConfig(null, null, null, null, null, null, null);
  }

  /** The data directory. */
  public Path dataDir() {
    return Path.of(data);
  }

  /** A copy with another data directory. */
  public NodeConfig withData(String dir) {
    return new NodeConfig(dir, storage, s3, admin, pfs, log, auth);
  }

  /** A copy with other drives. */
  public NodeConfig withDrives(List<String> drives) {
    return new NodeConfig(data, storage.withDrives(drives), s3, admin, pfs, log, auth);
  }

  /** A copy with another S3 listen address. */
  public NodeConfig withS3Listen(HostPort listen) {
    return new NodeConfig(data, storage, s3.withListen(listen), admin, pfs, log, auth);
  }

  /** A copy with another admin listen address. */
  public NodeConfig withAdminListen(HostPort listen) {
    return new NodeConfig(data, storage, s3, new AdminSection(listen), pfs, log, auth);
  }

  /** A copy with another pfs listen address. */
  public NodeConfig withPfsListen(HostPort listen) {
    return new NodeConfig(data, storage, s3, admin, pfs.withListen(listen), log, auth);
  }

  /**
   * The object store's settings: the configured drives, or 4 drive directories under {@code
   * <data>/drives} when none are configured; the index under {@code <data>/index} unless set.
   */
  public StorageConfig storageConfig() {
    List<Path> drives = new ArrayList<>();
    if (storage.drives().isEmpty()) {
      for (int i = 0; i < 4; i++) {
        drives.add(dataDir().resolve("drives").resolve("drive" + i));
      }
    } else {
      storage.drives().forEach(d -> drives.add(Path.of(d)));
    }
    Path index = storage.index() == null ? dataDir().resolve("index") : Path.of(storage.index());
    StorageConfig c = StorageConfig.defaults(index, drives);
    StorageSection.Engine e = storage.engine();
    if (storage.dataShards() != null || storage.parityShards() != null) {
      int[] layout = StorageConfig.defaultLayout(drives.size());
      c =
          c.withLayout(
              storage.dataShards() == null ? layout[0] : storage.dataShards(),
              storage.parityShards() == null ? layout[1] : storage.parityShards());
    }
    return c.withBlockSize(e.blockSize().toIntExact("storage.engine.block-size"))
        .withCodec(e.codecKind())
        .withDurable(e.durable())
        .withMaxInflightBytes(e.maxInflight().bytes())
        .withMinPartSize(e.minPartSize().bytes())
        .withScrub(e.scrubInterval(), e.scrubRate().bytes())
        .withPacking(e.packedMaxSize().bytes(), e.packedSegmentSize().bytes())
        .withDirectIo(e.directIoMode())
        .withSmallCacheBytes(e.smallCacheSize().bytes());
  }

  /** The S3 gateway's settings. */
  public GatewayConfig gatewayConfig() {
    GatewayConfig g =
        GatewayConfig.DEFAULT
            .withListen(s3.listen().host(), s3.listen().port())
            .withTimeouts(s3.idleTimeout(), s3.headerTimeout())
            .withVirtualHostDomains(s3.virtualHostDomains());
    g =
        new GatewayConfig(
            g.host(),
            g.port(),
            s3.region(),
            g.virtualHostDomains(),
            s3.maxConnections(),
            g.idleTimeout(),
            g.headerTimeout(),
            s3.maxHeaderSize().toIntExact("s3.max-header-size"),
            null,
            null,
            s3.drainTimeout());
    if (s3.tls().certificate() != null) {
      g = g.withTls(Path.of(s3.tls().certificate()), Path.of(s3.tls().key()));
    }
    return g;
  }

  /**
   * The object store.
   *
   * @param drives drive directories, one per device (default: 4 under {@code <data>/drives})
   * @param index the metadata index directory (default {@code <data>/index}); never on a drive
   * @param dataShards k (default chosen from the number of drives: 2+2 for 4)
   * @param parityShards m
   * @param engine tuning
   */
  public record StorageSection(
      List<String> drives, String index, Integer dataShards, Integer parityShards, Engine engine) {
    /** Fills in defaults. */
    public StorageSection {
      drives = drives == null ? List.of() : List.copyOf(drives);
      engine =
          engine == null
              ? new Engine(null, null, null, null, null, null, null, null, null, null, null)
              : engine;
      if (dataShards != null && dataShards < 1) {
        throw new IllegalArgumentException("storage.data-shards: must be at least 1");
      }
      if (parityShards != null && parityShards < 0) {
        throw new IllegalArgumentException("storage.parity-shards: must be at least 0");
      }
    }

    StorageSection withDrives(List<String> newDrives) {
      return new StorageSection(newDrives, index, dataShards, parityShards, engine);
    }

    /**
     * Tuning of the store.
     *
     * @param blockSize bytes per shard block (default 1MiB)
     * @param codec erasure codec: auto, isal, vector or scalar (default auto: fastest present)
     * @param durable fsync before acknowledging (default true; false only for scratch nodes)
     * @param maxInflight memory for stripe buffers of all transfers (default 256MiB)
     * @param minPartSize smallest multipart part but the last (default 5MiB, as S3)
     * @param scrubInterval pause between scrub passes (default 24h; 0s disables)
     * @param scrubRate scrub read rate per second (default 64MiB)
     * @param packedMaxSize objects up to this size are packed into segment files (default 128KiB; 0
     *     disables packing)
     * @param packedSegmentSize a segment file is sealed at this size (default 64MiB)
     * @param directIo shard data written with O_DIRECT: auto (where the drive's file system takes
     *     it), on (fail at start where it does not) or off (default auto)
     * @param smallCacheSize heap memory for the contents of small (packed) objects read recently,
     *     answered from memory by later GETs, on the S3 event loop (default 64MiB; 0 disables)
     */
    public record Engine(
        DataSize blockSize,
        String codec,
        Boolean durable,
        DataSize maxInflight,
        DataSize minPartSize,
        Duration scrubInterval,
        DataSize scrubRate,
        DataSize packedMaxSize,
        DataSize packedSegmentSize,
        String directIo,
        DataSize smallCacheSize) {
      /** Fills in defaults. */
      public Engine {
        blockSize = blockSize == null ? DataSize.ofMiB(1) : blockSize;
        codec = codec == null ? "auto" : codec.toLowerCase(Locale.ROOT);
        durable = durable == null ? Boolean.TRUE : durable;
        maxInflight = maxInflight == null ? DataSize.ofMiB(256) : maxInflight;
        minPartSize = minPartSize == null ? DataSize.ofMiB(5) : minPartSize;
        scrubInterval = scrubInterval == null ? Duration.ofHours(24) : scrubInterval;
        scrubRate = scrubRate == null ? DataSize.ofMiB(64) : scrubRate;
        packedMaxSize = packedMaxSize == null ? DataSize.ofBytes(128 << 10) : packedMaxSize;
        packedSegmentSize = packedSegmentSize == null ? DataSize.ofMiB(64) : packedSegmentSize;
        directIo = directIo == null ? "auto" : directIo.toLowerCase(Locale.ROOT);
        smallCacheSize = smallCacheSize == null ? DataSize.ofMiB(64) : smallCacheSize;
        codecKind(codec);
        directIoMode(directIo);
      }

      DirectIo directIoMode() {
        return directIoMode(directIo);
      }

      private static DirectIo directIoMode(String mode) {
        for (DirectIo d : DirectIo.values()) {
          if (d.name().equalsIgnoreCase(mode)) {
            return d;
          }
        }
        throw new IllegalArgumentException(
            "storage.engine.direct-io: '" + mode + "' is not one of auto, on, off");
      }

      CodecKind codecKind() {
        return codecKind(codec);
      }

      private static CodecKind codecKind(String codec) {
        for (CodecKind k : CodecKind.values()) {
          if (k.name().equalsIgnoreCase(codec)) {
            return k;
          }
        }
        throw new IllegalArgumentException(
            "storage.engine.codec: '"
                + codec
                + "' is not one of "
                + java.util.Arrays.toString(CodecKind.values()).toLowerCase(Locale.ROOT));
      }
    }
  }

  /**
   * The S3 gateway.
   *
   * @param listen address (default 127.0.0.1:9000; port 0 picks a free one)
   * @param region the region clients sign for (default us-east-1)
   * @param virtualHostDomains domains for virtual-host-style addressing ({@code bucket.domain})
   * @param maxConnections connections beyond this are refused (default 1024)
   * @param idleTimeout idle connections, and stalled bodies, time out after this (default 60s)
   * @param headerTimeout a request's headers must arrive within this (default 30s)
   * @param maxHeaderSize largest request header section (default 16KiB)
   * @param drainTimeout how long a stop waits for requests in flight (default 30s)
   * @param tls HTTPS certificate and key (PEM); both absent for plain HTTP
   */
  public record S3Section(
      HostPort listen,
      String region,
      List<String> virtualHostDomains,
      Integer maxConnections,
      Duration idleTimeout,
      Duration headerTimeout,
      DataSize maxHeaderSize,
      Duration drainTimeout,
      TlsSection tls) {
    /** Fills in defaults. */
    public S3Section {
      listen = listen == null ? new HostPort("127.0.0.1", 9000) : listen;
      region = region == null ? "us-east-1" : region;
      virtualHostDomains = virtualHostDomains == null ? List.of() : List.copyOf(virtualHostDomains);
      maxConnections = maxConnections == null ? 1024 : maxConnections;
      idleTimeout = idleTimeout == null ? Duration.ofSeconds(60) : idleTimeout;
      headerTimeout = headerTimeout == null ? Duration.ofSeconds(30) : headerTimeout;
      maxHeaderSize = maxHeaderSize == null ? DataSize.ofBytes(16 * 1024) : maxHeaderSize;
      drainTimeout = drainTimeout == null ? Duration.ofSeconds(30) : drainTimeout;
      tls = tls == null ? new TlsSection(null, null) : tls;
      if (region.isBlank()) {
        throw new IllegalArgumentException("s3.region: must not be empty");
      }
      if (maxConnections < 1) {
        throw new IllegalArgumentException("s3.max-connections: must be at least 1");
      }
      if (maxHeaderSize.bytes() < 1024 || maxHeaderSize.bytes() > (1 << 20)) {
        throw new IllegalArgumentException("s3.max-header-size: must be 1KiB to 1MiB");
      }
      if (idleTimeout.isZero() || idleTimeout.isNegative()) {
        throw new IllegalArgumentException("s3.idle-timeout: must be positive");
      }
      if (headerTimeout.isZero() || headerTimeout.isNegative()) {
        throw new IllegalArgumentException("s3.header-timeout: must be positive");
      }
    }

    S3Section withListen(HostPort l) {
      return new S3Section(
          l,
          region,
          virtualHostDomains,
          maxConnections,
          idleTimeout,
          headerTimeout,
          maxHeaderSize,
          drainTimeout,
          tls);
    }
  }

  /**
   * HTTPS for the S3 gateway.
   *
   * @param certificate PEM certificate chain file
   * @param key PEM PKCS#8 private key file
   */
  public record TlsSection(String certificate, String key) {
    /** Both or neither. */
    public TlsSection {
      if ((certificate == null) != (key == null)) {
        throw new IllegalArgumentException("s3.tls: needs both certificate and key");
      }
    }
  }

  /**
   * The admin endpoint: {@code /metrics}, {@code /health/live}, {@code /health/ready}, the admin
   * API.
   *
   * @param listen address (default 127.0.0.1:9001; port 0 picks a free one)
   */
  public record AdminSection(HostPort listen) {
    /** Fills in defaults. */
    public AdminSection {
      listen = listen == null ? new HostPort("127.0.0.1", 9001) : listen;
    }
  }

  /**
   * The parallel-file (pfs) service: the file view of the buckets over the transport (TCP), for
   * {@code aquifer mount}. Clients authenticate with the S3 users' access keys and may use only
   * their own buckets (root: all).
   *
   * @param enabled serve it (default true)
   * @param listen address (default 127.0.0.1:9002; port 0 picks a free one)
   * @param maxRenameEntries the most keys one directory rename moves (default 10000); a larger one
   *     fails with EXDEV and moves nothing
   * @param maxConnections connections open at once (default 64); each reserves {@code window-size}
   *     of receive memory while open
   * @param maxFrameSize largest message (default 2MiB; a 1 MiB read unit and its header must fit)
   * @param windowSize per-connection receive window (default 16MiB)
   * @param maxReadInflight reply memory of all reads in flight together (default 64MiB)
   * @param drainTimeout how long a stop waits for requests in flight (default 30s)
   * @param md5EtagMaxSize the largest file written through pfs whose ETag is the MD5 of its content
   *     (default 8MiB, aws-cli's multipart threshold); a larger one gets a checksum ETag in S3's
   *     multipart form, which costs no MD5 beyond this size
   */
  public record PfsSection(
      Boolean enabled,
      HostPort listen,
      Integer maxRenameEntries,
      Integer maxConnections,
      DataSize maxFrameSize,
      DataSize windowSize,
      DataSize maxReadInflight,
      Duration drainTimeout,
      DataSize md5EtagMaxSize) {
    /** Fills in defaults. */
    public PfsSection {
      enabled = enabled == null ? Boolean.TRUE : enabled;
      listen = listen == null ? new HostPort("127.0.0.1", 9002) : listen;
      maxRenameEntries = maxRenameEntries == null ? 10_000 : maxRenameEntries;
      maxConnections = maxConnections == null ? 64 : maxConnections;
      maxFrameSize = maxFrameSize == null ? DataSize.ofMiB(2) : maxFrameSize;
      windowSize = windowSize == null ? DataSize.ofMiB(16) : windowSize;
      maxReadInflight = maxReadInflight == null ? DataSize.ofMiB(64) : maxReadInflight;
      drainTimeout = drainTimeout == null ? Duration.ofSeconds(30) : drainTimeout;
      md5EtagMaxSize = md5EtagMaxSize == null ? DataSize.ofMiB(8) : md5EtagMaxSize;
      if (maxRenameEntries < 0) {
        throw new IllegalArgumentException("pfs.max-rename-entries: must be at least 0");
      }
      if (maxConnections < 1) {
        throw new IllegalArgumentException("pfs.max-connections: must be at least 1");
      }
      if (maxFrameSize.bytes() < (64 << 10) || maxFrameSize.bytes() > (64 << 20)) {
        throw new IllegalArgumentException("pfs.max-frame-size: must be 64KiB to 64MiB");
      }
      if (windowSize.bytes() < maxFrameSize.bytes() || windowSize.bytes() > (1L << 30)) {
        throw new IllegalArgumentException(
            "pfs.window-size: must be at least pfs.max-frame-size and at most 1GiB");
      }
      if (maxReadInflight.bytes() < maxReadBytes(maxFrameSize)
          || maxReadInflight.bytes() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "pfs.max-read-inflight: must hold one read (pfs.max-frame-size less 4KiB) and be"
                + " under 2GiB");
      }
      if (drainTimeout.isNegative()) {
        throw new IllegalArgumentException("pfs.drain-timeout: must not be negative");
      }
    }

    /** The largest read one request may ask for: a frame less room for the headers. */
    public int maxReadBytes() {
      return maxReadBytes(maxFrameSize);
    }

    private static int maxReadBytes(DataSize frame) {
      return (int) frame.bytes() - 4096;
    }

    PfsSection withListen(HostPort l) {
      return new PfsSection(
          enabled,
          l,
          maxRenameEntries,
          maxConnections,
          maxFrameSize,
          windowSize,
          maxReadInflight,
          drainTimeout,
          md5EtagMaxSize);
    }
  }

  /**
   * Logging.
   *
   * @param format {@code logfmt} (default) or {@code json}, one line per event
   * @param level minimum level: debug, info (default), warn, error
   * @param accessLog one line per S3 request (default false)
   */
  public record LogSection(String format, String level, Boolean accessLog) {
    /** Fills in defaults. */
    public LogSection {
      format = format == null ? "logfmt" : format.toLowerCase(Locale.ROOT);
      level = level == null ? "info" : level.toLowerCase(Locale.ROOT);
      accessLog = accessLog == null ? Boolean.FALSE : accessLog;
      if (!format.equals("logfmt") && !format.equals("json")) {
        throw new IllegalArgumentException("log.format: must be logfmt or json, not " + format);
      }
      if (!List.of("debug", "info", "warn", "error").contains(level)) {
        throw new IllegalArgumentException(
            "log.level: must be debug, info, warn or error, not " + level);
      }
    }
  }

  /**
   * The root user's credentials. The environment ({@code AQUIFER_ROOT_ACCESS_KEY}, {@code
   * AQUIFER_ROOT_SECRET_KEY}) wins over these; without either, they are generated on first start
   * into {@code <data>/root-credentials}.
   *
   * @param rootAccessKey access key id
   * @param rootSecretKey secret key
   */
  public record AuthSection(String rootAccessKey, String rootSecretKey) {
    /** Both or neither. */
    public AuthSection {
      if ((rootAccessKey == null) != (rootSecretKey == null)) {
        throw new IllegalArgumentException(
            "auth: needs both root-access-key and root-secret-key, or neither");
      }
    }

    /** A copy with the secret masked, for printing. */
    public AuthSection masked() {
      return rootSecretKey == null ? this : new AuthSection(rootAccessKey, "********");
    }
  }
}
