package io.aquifer.bench.s3;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A gateway to benchmark without the node: a real store (default storage settings, 4 drive
 * directories under DIR) and the S3 gateway on 127.0.0.1:PORT, until killed. Access key {@value
 * TestGateway#ACCESS}, secret key {@value TestGateway#SECRET}.
 *
 * <pre>
 * java -cp CLASSPATH io.aquifer.bench.s3.LocalGateway DIR [PORT]
 * </pre>
 */
public final class LocalGateway {
  private LocalGateway() {}

  /** Starts the gateway and waits. */
  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: LocalGateway DIR [PORT]");
      System.exit(2);
    }
    Path dir = Files.createDirectories(Path.of(args[0]));
    int port = args.length == 2 ? Integer.parseInt(args[1]) : 9000;
    TestGateway g = new TestGateway(dir, 4, port);
    Runtime.getRuntime().addShutdownHook(new Thread(g::close));
    System.out.println(
        "gateway on "
            + g.endpoint
            + " access key "
            + TestGateway.ACCESS
            + " secret key "
            + TestGateway.SECRET);
    new CountDownLatch(1).await();
  }
}
