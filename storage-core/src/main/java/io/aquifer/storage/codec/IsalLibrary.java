package io.aquifer.storage.codec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;

/**
 * The jnr-ffi binding to ISA-L's erasure-code functions ({@code isa-l/erasure_code.h}), and the one
 * attempt per process to load it. Nothing else in Aquifer calls ISA-L.
 */
final class IsalLibrary {

  /**
   * Library names tried in order: the development symlink ({@code libisal.so}) and then the runtime
   * soname that Debian's {@code libisal2} installs.
   */
  static final List<String> DEFAULT_NAMES = List.of("isal", "libisal.so.2");

  /**
   * The two ISA-L functions the codec uses. Public because jnr-ffi implements it. The pointers wrap
   * native memory that the codec manages with {@code java.lang.foreign}. (They are jnr {@link
   * Pointer}s rather than {@code long} addresses because jnr-ffi 2.2.17 passes the last of three
   * {@code int} and three {@code long} arguments wrongly; ISA-L then writes through a bad pointer.)
   */
  public interface Native {

    /**
     * {@code void ec_init_tables(int k, int rows, unsigned char *a, unsigned char *gftbls)}:
     * expands a {@code rows x k} coefficient matrix into 32 * k * rows bytes of tables.
     */
    void ec_init_tables(int k, int rows, @In byte[] a, Pointer gftbls);

    /**
     * {@code void ec_encode_data(int len, int k, int rows, unsigned char *gftbls, unsigned char
     * **data, unsigned char **coding)}.
     */
    void ec_encode_data(int len, int k, int rows, Pointer gftbls, Pointer data, Pointer coding);
  }

  /**
   * The outcome of a load attempt.
   *
   * @param lib the bound library, or null
   * @param runtime the jnr-ffi runtime of {@code lib}, or null
   * @param failure why loading failed, or null when it succeeded
   */
  record Load(Native lib, Runtime runtime, String failure) {
    boolean available() {
      return lib != null;
    }
  }

  private IsalLibrary() {}

  /** The default load attempt, made once per process on first use. */
  static Load system() {
    return SystemHolder.LOAD;
  }

  private static final class SystemHolder {
    static final Load LOAD = load(DEFAULT_NAMES);
  }

  /** Calls both functions once on a 1 x 1 matrix, so that a missing symbol shows up here. */
  private static void probe(Native lib, Runtime runtime) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment mem = arena.allocate(64 + 2 * Long.BYTES, 64);
      MemorySegment src = arena.allocate(64, 64);
      Pointer gftbls = Pointer.wrap(runtime, mem.address());
      lib.ec_init_tables(1, 1, new byte[] {1}, gftbls);
      mem.set(ValueLayout.JAVA_LONG, 32, src.address());
      mem.set(ValueLayout.JAVA_LONG, 40, src.address() + 32);
      lib.ec_encode_data(
          32,
          1,
          1,
          gftbls,
          Pointer.wrap(runtime, mem.address() + 32),
          Pointer.wrap(runtime, mem.address() + 40));
    }
  }

  /**
   * Tries each library name in turn and returns the first that loads and resolves both functions.
   * Never throws for a missing library; tests pass a bogus name to get the failure path.
   */
  static Load load(List<String> names) {
    List<String> failures = new ArrayList<>();
    for (String name : names) {
      try {
        Native lib = LibraryLoader.create(Native.class).failImmediately().load(name);
        Runtime runtime = Runtime.getRuntime(lib);
        probe(lib, runtime);
        return new Load(lib, runtime, null);
      } catch (LinkageError | RuntimeException e) {
        failures.add(name + ": " + String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim());
      }
    }
    return new Load(null, null, "ISA-L could not be loaded (" + String.join("; ", failures) + ")");
  }
}
