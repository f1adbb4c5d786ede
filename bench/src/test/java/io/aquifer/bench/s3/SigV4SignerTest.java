package io.aquifer.bench.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The signer against the worked examples of the Amazon S3 API reference, "Authenticating Requests:
 * Using the Authorization Header (AWS Signature Version 4)": same credentials, date and headers,
 * the documented signatures.
 */
class SigV4SignerTest {
  static final String ACCESS = "AKIAIOSFODNN7EXAMPLE";
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  final SigV4Signer signer = new SigV4Signer(ACCESS, SECRET, "us-east-1");

  static String expected(String signedHeaders, String signature) {
    return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        + "SignedHeaders="
        + signedHeaders
        + ",Signature="
        + signature;
  }

  @Test
  void getObjectExample() {
    TreeMap<String, String> h = new TreeMap<>();
    h.put("host", "examplebucket.s3.amazonaws.com");
    h.put("range", "bytes=0-9");
    h.put("x-amz-content-sha256", SigV4Signer.EMPTY_SHA256);
    h.put("x-amz-date", "20130524T000000Z");
    assertEquals(
        expected(
            "host;range;x-amz-content-sha256;x-amz-date",
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
        signer.authorization("GET", "/test.txt", "", h, SigV4Signer.EMPTY_SHA256));
  }

  @Test
  void listObjectsExampleWithQuery() {
    TreeMap<String, String> h = new TreeMap<>();
    h.put("host", "examplebucket.s3.amazonaws.com");
    h.put("x-amz-content-sha256", SigV4Signer.EMPTY_SHA256);
    h.put("x-amz-date", "20130524T000000Z");
    assertEquals(
        expected(
            "host;x-amz-content-sha256;x-amz-date",
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
        signer.authorization(
            "GET", "/", Query.of("prefix", "J", "max-keys", "2"), h, SigV4Signer.EMPTY_SHA256));
  }

  @Test
  void amzDateAndEncoding() {
    assertEquals("20130524T000000Z", signer.amzDate(Instant.parse("2013-05-24T00:00:00.700Z")));
    assertEquals("/test%24file.text", SigV4Signer.encodePath("/test$file.text"));
    assertEquals("a%2Fb%20c~", SigV4Signer.encodeComponent("a/b c~"));
    assertEquals("a/%C3%A9", SigV4Signer.encodePath("a/é"));
  }
}
