package io.aquifer.kv;

/** A failure of the key-value store. Unchecked: callers rarely can do better than report it. */
public final class KvException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Code {
    /** The table was not declared when the store was opened. */
    NO_SUCH_TABLE,
    /** The store is closed. */
    CLOSED,
    /** The database could not be opened (missing, locked by another process, corrupt). */
    OPEN_FAILED,
    /** An I/O error from the storage engine. */
    IO_ERROR,
    /** The database files are corrupt. */
    CORRUPTION,
    /** A batch or cursor was used with the wrong store, or after close. */
    INVALID_USE
  }

  private final Code code;

  /** An exception with a code and message. */
  public KvException(Code code, String message) {
    super(message);
    this.code = code;
  }

  /** An exception with a code, message and cause. */
  public KvException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** What went wrong. */
  public Code code() {
    return code;
  }
}
