package io.aquifer.pfs;

import io.aquifer.transport.Message;
import io.aquifer.transport.Reply;
import io.aquifer.transport.Response;
import io.aquifer.transport.TransportError;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The file service's challenge–response handshake (docs/pfs-protocol.md, "Authentication"): the
 * client asks CHALLENGE and gets a fresh random nonce for its connection; it answers AUTH with its
 * access key and HMAC-SHA256(secret key, {@link #LABEL} + nonce + access key). No secret crosses
 * the wire, and a nonce answers one AUTH only, so a recorded AUTH is worth nothing later.
 */
final class PfsAuth {
  /** Asks for a nonce. Request: bucket {@code ""}. Reply header: nonce (u16 length + bytes). */
  static final int CHALLENGE = 64;

  /**
   * Answers the nonce. Request: bucket {@code ""}, access key (string), signature (u16 length +
   * bytes). Reply header: user (string), root u8.
   */
  static final int AUTH = 65;

  /** What the signature covers first, so it cannot be mistaken for another HMAC of the secret. */
  static final String LABEL = "AQUIFER-PFS-AUTH-1\n";

  /** Bytes of a nonce. */
  static final int NONCE_BYTES = 32;

  /** Longest byte string a handshake field may carry. */
  static final int MAX_FIELD_BYTES = 64;

  private PfsAuth() {}

  static boolean isHandshake(int op) {
    return op == CHALLENGE || op == AUTH;
  }

  /** The op's name, the handshake ops included. */
  static String opName(int op) {
    return switch (op) {
      case CHALLENGE -> "challenge";
      case AUTH -> "auth";
      default -> FileWire.opName(op);
    };
  }

  /** HMAC-SHA256(secret key, {@link #LABEL} + nonce + access key). */
  static byte[] signature(String secretKey, byte[] nonce, String accessKey) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secretKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update(LABEL.getBytes(StandardCharsets.UTF_8));
      mac.update(nonce);
      return mac.doFinal(accessKey.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  static void writeBytes(ByteBuf b, byte[] bytes) {
    b.writeShort(bytes.length);
    b.writeBytes(bytes);
  }

  /**
   * @throws IllegalArgumentException when longer than {@link #MAX_FIELD_BYTES}
   * @throws IndexOutOfBoundsException on a truncated message
   */
  static byte[] readBytes(ByteBuf b) {
    int n = b.readUnsignedShort();
    if (n > MAX_FIELD_BYTES) {
      throw new IllegalArgumentException("handshake field of " + n + " bytes");
    }
    byte[] out = new byte[n];
    b.readBytes(out);
    return out;
  }

  /** A failure reply with code {@code 100 + errno}. */
  static Reply error(Errno errno, String message) {
    String m = message.length() > 900 ? message.substring(0, 900) : message;
    return Reply.error(FileWire.ERRNO_BASE + errno.number(), m);
  }

  /** The reply of a successful handshake call, or the failure as an {@link FsException}. */
  static Message unwrap(int op, Response r) {
    return switch (r) {
      case Response.Ok ok -> ok.message();
      case TransportError.RemoteError e when e.code() >= FileWire.ERRNO_BASE ->
          throw new FsException(
              Errno.fromNumber(e.code() - FileWire.ERRNO_BASE),
              "pfs " + opName(op) + ": " + e.message());
      case TransportError e ->
          throw new FsException(Errno.EIO, "pfs " + opName(op) + ": " + e.describe());
    };
  }

  /** The status a reply reports to {@link FileServiceObserver#request}. */
  static String status(Reply r) {
    return switch (r) {
      case Reply.Ok ok -> "ok";
      case Reply.Error e ->
          e.code() >= FileWire.ERRNO_BASE
              ? Errno.fromNumber(e.code() - FileWire.ERRNO_BASE).name()
              : "error";
    };
  }
}
