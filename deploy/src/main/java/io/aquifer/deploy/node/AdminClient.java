package io.aquifer.deploy.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

/** Calls a running node's admin API, signed with the root credentials. */
public final class AdminClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI endpoint;
  private final RootCredentials credentials;
  private final Clock clock;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A client of the node at {@code endpoint} (for example {@code http://127.0.0.1:9001}). */
  public AdminClient(URI endpoint, RootCredentials credentials, Clock clock) {
    this.endpoint = endpoint;
    this.credentials = credentials;
    this.clock = clock;
  }

  /** A failed call: the node's error code and message, or why the node could not be reached. */
  public static final class AdminException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The HTTP status, or 0 when the node was not reached. */
    public final int status;

    AdminException(int status, String message, Throwable cause) {
      super(message, cause);
      this.status = status;
    }
  }

  /**
   * Calls {@code method} on {@code /admin/v1/<pathAndQuery>} and returns the JSON answer.
   *
   * @param body JSON to send, or null
   */
  public JsonNode call(String method, String pathAndQuery, JsonNode body) {
    String path = "/admin/v1/" + pathAndQuery;
    byte[] bytes;
    try {
      bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    String date = AdminAuth.date(clock.instant());
    HttpRequest req =
        HttpRequest.newBuilder(endpoint.resolve(path))
            .timeout(Duration.ofMinutes(30))
            .header(AdminAuth.DATE_HEADER, date)
            .header(
                "Authorization",
                AdminAuth.authorization(
                    credentials.accessKey(), credentials.secretKey(), method, path, date, bytes))
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(bytes))
            .build();
    HttpResponse<String> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException e) {
      throw new AdminException(
          0,
          "cannot reach the node's admin endpoint at " + endpoint + " (is the node running?)",
          e);
    } catch (IOException e) {
      throw new AdminException(0, "admin call to " + endpoint + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminException(0, "interrupted", e);
    }
    JsonNode answer;
    try {
      answer = JSON.readTree(resp.body());
    } catch (IOException e) {
      throw new AdminException(
          resp.statusCode(), "the node answered HTTP " + resp.statusCode() + " without JSON", e);
    }
    if (resp.statusCode() >= 300) {
      throw new AdminException(
          resp.statusCode(),
          answer.path("code").asText("Error") + ": " + answer.path("message").asText(""),
          null);
    }
    return answer;
  }
}
