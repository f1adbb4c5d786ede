package io.aquifer.kv;

/** A handle to a named table of a store; obtained from {@link KvStore#table(String)}. */
public interface KvTable {
  /** The table's name. */
  String name();
}
