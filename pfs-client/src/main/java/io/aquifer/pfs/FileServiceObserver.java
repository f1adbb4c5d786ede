package io.aquifer.pfs;

/**
 * What a {@link FileServiceHandler} reports, for metrics. Called from the request's thread (a
 * virtual thread or the connection's I/O thread); must be fast and must not block. Every method
 * does nothing by default.
 */
public interface FileServiceObserver {
  /** Reports nothing. */
  FileServiceObserver NONE = new FileServiceObserver() {};

  /** A connection was accepted. */
  default void connectionOpened() {}

  /** A connection ended. */
  default void connectionClosed() {}

  /**
   * A request was answered.
   *
   * @param op the op's name ({@code getattr}, {@code read}, {@code auth}, ...)
   * @param status {@code ok} or the errno's name ({@code EACCES}, ...)
   */
  default void request(String op, String status) {}
}
