package io.aquifer.gateway.auth;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.checksums.spi.ChecksumAlgorithm;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Signs requests with the AWS SDK for Java v2's own SigV4 signer, configured as for S3. Public for
 * the gateway's raw-socket tests.
 */
public final class SdkSigning {
  private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

  private SdkSigning() {}

  /** A request as the gateway sees it. */
  public record Wire(
      String method, String rawPath, String rawQuery, HttpHeaders headers, byte[] body) {}

  /**
   * Signs {@code request} for S3 in us-east-1.
   *
   * @param payload the body, or null for none
   * @param payloadSigning sign the payload hash (else UNSIGNED-PAYLOAD, https only)
   * @param chunked aws-chunked encoding
   * @param checksum a trailing checksum algorithm, or null
   */
  public static Wire sign(
      SdkHttpRequest request,
      byte[] payload,
      String accessKey,
      String secret,
      Clock clock,
      boolean payloadSigning,
      boolean chunked,
      ChecksumAlgorithm checksum) {
    SignedRequest signed =
        SIGNER.sign(
            r -> {
              r.identity(AwsCredentialsIdentity.create(accessKey, secret))
                  .request(request)
                  .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                  .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                  .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                  .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                  .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, payloadSigning)
                  .putProperty(AwsV4HttpSigner.CHUNK_ENCODING_ENABLED, chunked)
                  .putProperty(HttpSigner.SIGNING_CLOCK, clock);
              if (payload != null) {
                r.payload(ContentStreamProvider.fromByteArray(payload));
              }
              if (checksum != null) {
                r.putProperty(AwsV4HttpSigner.CHECKSUM_ALGORITHM, checksum);
              }
            });
    byte[] body = null;
    if (signed.payload().isPresent()) {
      try (InputStream in = signed.payload().get().newStream()) {
        body = in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    SdkHttpRequest r = signed.request();
    return new Wire(
        r.method().name(),
        r.encodedPath(),
        r.encodedQueryParameters().orElse(""),
        toNetty(r.headers()),
        body);
  }

  /**
   * The headers as Netty's HTTP decoder hands them over when the client sends UTF-8: one char per
   * byte, leading and trailing blanks stripped.
   */
  static HttpHeaders toNetty(Map<String, List<String>> headers) {
    HttpHeaders h = new DefaultHttpHeaders();
    headers.forEach(
        (name, values) -> {
          for (String v : values) {
            String wire =
                new String(v.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            h.add(name, wire.strip());
          }
        });
    return h;
  }
}
