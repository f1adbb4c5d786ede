package io.aquifer.deploy;

import io.aquifer.deploy.config.ConfigLoader;
import io.aquifer.deploy.config.HostPort;
import io.aquifer.deploy.config.NodeConfig;
import io.aquifer.deploy.node.LogSetup;
import io.aquifer.deploy.node.Node;
import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code aquifer server}: runs a node in the foreground until SIGTERM or SIGINT, then drains
 * requests in flight, closes the store and exits 0.
 */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Run a storage node in the foreground.",
      "With no config, data goes to ./aquifer-data with 4 drive directories (Reed-Solomon 2+2),"
          + " S3 on 127.0.0.1:9000, the admin endpoint on 127.0.0.1:9001 and the pfs file"
          + " service (aquifer mount) on 127.0.0.1:9002."
    })
final class ServerCommand implements Callable<Integer> {
  private static final System.Logger LOG = System.getLogger(ServerCommand.class.getName());

  private final PrintStream out;
  private final Map<String, String> env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file")
  Path config;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "data directory (default ./aquifer-data)")
  String data;

  @Option(
      names = "--drive",
      paramLabel = "PATH",
      description = "a drive directory; repeat for each drive (replaces the config's drives)")
  List<String> drives;

  @Option(
      names = "--s3-listen",
      paramLabel = "HOST:PORT",
      description = "S3 address; port 0 picks one")
  String s3Listen;

  @Option(
      names = "--admin-listen",
      paramLabel = "HOST:PORT",
      description = "admin address (metrics, health, admin API); port 0 picks one")
  String adminListen;

  @Option(
      names = "--pfs-listen",
      paramLabel = "HOST:PORT",
      description = "pfs file-service address (for aquifer mount); port 0 picks one")
  String pfsListen;

  @Option(
      names = "--print-config",
      description = "print the effective config (secrets masked) and exit")
  boolean printConfig;

  ServerCommand(PrintStream out, Map<String, String> env) {
    this.out = out;
    this.env = env;
  }

  /** The config file with the flags applied over it. */
  static NodeConfig effectiveConfig(
      CommandLine cl,
      Path config,
      String data,
      List<String> drives,
      String s3,
      String admin,
      String pfs) {
    NodeConfig c = config == null ? NodeConfig.defaults() : ConfigLoader.load(config);
    if (data != null) {
      c = c.withData(data);
    }
    if (drives != null && !drives.isEmpty()) {
      c = c.withDrives(drives);
    }
    try {
      if (s3 != null) {
        c = c.withS3Listen(HostPort.parse(s3));
      }
      if (admin != null) {
        c = c.withAdminListen(HostPort.parse(admin));
      }
      if (pfs != null) {
        c = c.withPfsListen(HostPort.parse(pfs));
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, e.getMessage());
    }
    return c;
  }

  @Override
  public Integer call() throws Exception {
    NodeConfig c =
        effectiveConfig(spec.commandLine(), config, data, drives, s3Listen, adminListen, pfsListen);
    c.storageConfig(); // checks the drives and layout before anything is created
    if (printConfig) {
      out.print(ConfigLoader.toYaml(c));
      out.flush();
      return 0;
    }
    LogSetup.configure(c.log().format(), c.log().level(), c.log().accessLog());
    CountDownLatch stop = new CountDownLatch(1);
    onSignals(stop);
    Node node = Node.start(c, env, out);
    Thread hook = new Thread(node::close, "aquifer-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    stop.await();
    LOG.log(System.Logger.Level.INFO, "signal received: draining and stopping");
    node.close();
    Runtime.getRuntime().removeShutdownHook(hook);
    return 0;
  }

  /**
   * Turns SIGTERM and SIGINT into a count-down of {@code stop}, so the node stops in order and the
   * process exits 0 rather than 143. A second signal while stopping ends the process at once. Uses
   * {@code sun.misc.Signal} reflectively (it is in {@code jdk.unsupported}).
   */
  static void onSignals(CountDownLatch stop) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      InvocationHandler ih =
          (Object proxy, Method m, Object[] args) ->
              switch (m.getName()) {
                case "handle" -> {
                  if (stop.getCount() == 0) {
                    Runtime.getRuntime().halt(1);
                  }
                  stop.countDown();
                  yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> "aquifer-signal-handler";
              };
      Object handler =
          Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType}, ih);
      Method handle = signal.getMethod("handle", signal, handlerType);
      for (String name : new String[] {"TERM", "INT"}) {
        handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot install signal handlers ("
              + e
              + "); SIGTERM still stops the node via the"
              + " shutdown hook, with exit status 143");
    }
  }
}
