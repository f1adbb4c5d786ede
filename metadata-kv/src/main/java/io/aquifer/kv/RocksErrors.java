package io.aquifer.kv;

import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Maps RocksDB failures to {@link KvException} codes. */
final class RocksErrors {
  private RocksErrors() {}

  /** A failure of an operation on an open database: corruption or (anything else) I/O. */
  static KvException map(String what, RocksDBException e) {
    Status status = e.getStatus();
    Status.Code code = status == null ? null : status.getCode();
    KvException.Code kv =
        code == Status.Code.Corruption ? KvException.Code.CORRUPTION : KvException.Code.IO_ERROR;
    return new KvException(kv, what + ": " + e.getMessage(), e);
  }
}
