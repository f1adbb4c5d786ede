package io.aquifer.storage;

/** Whether a drive serves I/O. */
public enum DriveState {
  /** Serving reads and writes. */
  ONLINE,
  /** Present but failing I/O or holding the wrong identity; out of service until replaced. */
  FAULTY,
  /** The directory is absent or empty (an unformatted replacement is formatted on start). */
  MISSING
}
