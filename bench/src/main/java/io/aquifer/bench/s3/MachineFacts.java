package io.aquifer.bench.s3;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a result must carry so runs on different machines can be compared. */
public final class MachineFacts {
  private MachineFacts() {}

  /**
   * cores, memoryBytes, cpu, kernel, os, jdk, the heap's bounds and the JVM's options (a client
   * measured with another heap setup is another client), as an ordered map.
   */
  public static Map<String, Object> read() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("memoryBytes", memoryBytes());
    m.put("cpu", cpuModel());
    String kernel = readLine(Path.of("/proc/sys/kernel/osrelease"));
    m.put(
        "kernel",
        kernel != null
            ? kernel
            : System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    m.put(
        "jdk",
        System.getProperty("java.vm.vendor")
            + " "
            + System.getProperty("java.vm.name")
            + " "
            + Runtime.version());
    m.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    m.put("initialHeapBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getInit());
    m.put("jvmOptions", ManagementFactory.getRuntimeMXBean().getInputArguments());
    return m;
  }

  private static long memoryBytes() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return -1;
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: unknown
    }
    return System.getProperty("os.arch");
  }

  private static String readLine(Path p) {
    try {
      return Files.readString(p).trim();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
