/*
 * A webhook receiver for the quality-credit registry in plain Java (JDK 11 or later, no
 * framework, no library): HMAC-SHA256 from javax.crypto, a constant-time comparison, and the
 * five-minute timestamp window of Standard Webhooks.
 *
 *   javac -d out examples/webhook-receiver/WebhookReceiver.java
 *   WEBHOOK_SECRETS='whsec_...' java -cp out WebhookReceiver 8080
 *
 * WEBHOOK_SECRETS holds one secret, or two separated by a space while a rotation overlaps.
 * Subscribe http(s)://<this host>:8080/webhooks. test/e2e/sharing/webhook-receivers.e2e-spec.ts
 * compiles and runs this file against signed deliveries when a JDK is installed.
 *
 * 接收端示例（Java）：仅用 JDK 自带的 javax.crypto 计算 HMAC-SHA256，常量时间比较签名，并拒绝
 * 与本机时间相差超过 5 分钟的时间戳。
 */
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public final class WebhookReceiver {
  /** Receivers refuse a timestamp more than this far from their clock, either way. */
  static final long TOLERANCE_SECONDS = 5 * 60;
  static final int MAX_BODY_BYTES = 1024 * 1024;

  private final List<byte[]> keys = new ArrayList<>();

  public WebhookReceiver(List<String> secrets) {
    for (String secret : secrets) keys.add(keyBytes(secret));
  }

  /** A whsec_ secret's key is its base64 part decoded; a secret chosen as plain text signs as its UTF-8 bytes. */
  static byte[] keyBytes(String secret) {
    if (secret.startsWith("whsec_")) return Base64.getDecoder().decode(secret.substring("whsec_".length()));
    return secret.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Whether a delivery is the registry's: one of the space-separated "v1,<base64>" signatures in
   * webhook-signature is the HMAC-SHA256, with one of the keys, of "webhook-id.webhook-timestamp.body",
   * and webhook-timestamp is within TOLERANCE_SECONDS of nowSeconds.
   */
  public boolean verify(String id, String timestamp, String signatures, byte[] body, long nowSeconds) {
    if (id == null || timestamp == null || signatures == null || body == null) return false;
    long sentAt;
    try {
      sentAt = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(nowSeconds - sentAt) > TOLERANCE_SECONDS) return false;
    byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
    for (byte[] key : keys) {
      byte[] expected = hmac(key, prefix, body);
      for (String signature : signatures.split(" ")) {
        if (!signature.startsWith("v1,")) continue;
        byte[] given;
        try {
          given = Base64.getDecoder().decode(signature.substring(3));
        } catch (IllegalArgumentException e) {
          continue;
        }
        if (MessageDigest.isEqual(expected, given)) return true; // constant time
      }
    }
    return false;
  }

  private static byte[] hmac(byte[] key, byte[] prefix, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(prefix);
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] readBody(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    return body.length > MAX_BODY_BYTES ? null : body;
  }

  /**
   * Serves POST /webhooks: 204 for a verified delivery (printed as one line: webhook-id and body),
   * 401 when it does not verify. Deliveries come at least once; a retry or a replay carries the
   * same webhook-id, so process them idempotently (keyed by that id).
   */
  public static void main(String[] args) throws IOException {
    String configured = System.getenv().getOrDefault("WEBHOOK_SECRETS", "");
    List<String> secrets = new ArrayList<>();
    for (String s : configured.split(" ")) if (!s.isEmpty()) secrets.add(s);
    if (secrets.isEmpty()) throw new IllegalArgumentException("set WEBHOOK_SECRETS (two, space-separated, during a rotation)");
    WebhookReceiver receiver = new WebhookReceiver(secrets);
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/webhooks", exchange -> {
      try (exchange) {
        if (!"POST".equals(exchange.getRequestMethod())) {
          exchange.sendResponseHeaders(405, -1);
          return;
        }
        byte[] body = readBody(exchange.getRequestBody());
        if (body == null) {
          exchange.sendResponseHeaders(413, -1);
          return;
        }
        String id = exchange.getRequestHeaders().getFirst("webhook-id");
        boolean ok = receiver.verify(
            id,
            exchange.getRequestHeaders().getFirst("webhook-timestamp"),
            exchange.getRequestHeaders().getFirst("webhook-signature"),
            body,
            System.currentTimeMillis() / 1000);
        if (!ok) {
          exchange.sendResponseHeaders(401, -1);
          return;
        }
        System.out.println("verified " + id + " " + new String(body, StandardCharsets.UTF_8));
        System.out.flush();
        exchange.sendResponseHeaders(204, -1);
      }
    });
    server.start();
    System.out.println("listening on " + server.getAddress().getPort());
    System.out.flush();
  }
}
