package io.aquifer.pfs.fuse;

import java.io.IOException;

/** A failed libc call: the call (and its subject), the errno and strerror's text for it. */
final class NativeException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int errno;

  NativeException(String call, int errno) {
    super(call + ": " + Libc.strerror(errno) + " (errno " + errno + ")");
    this.errno = errno;
  }

  /** The errno number. */
  int errno() {
    return errno;
  }
}
