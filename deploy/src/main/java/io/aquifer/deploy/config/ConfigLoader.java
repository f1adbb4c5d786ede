package io.aquifer.deploy.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * Reads the node's YAML config into a {@link NodeConfig}. Unknown keys, duplicate keys, values of
 * the wrong type and values that fail a check are all rejected with the file, line and key.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = mapper();

  private ConfigLoader() {}

  /** A bad config file; the message names the file, the line and the key. */
  public static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConfigException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Reads a config file. An empty file means every default.
   *
   * @throws ConfigException when the file is missing, unreadable or invalid
   */
  public static NodeConfig load(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    return parse(file.toString(), bytes);
  }

  /** Parses YAML text; {@code name} appears in error messages. */
  public static NodeConfig parse(String name, byte[] yaml) {
    try {
      NodeConfig c = YAML.readValue(yaml, NodeConfig.class);
      return c == null ? NodeConfig.defaults() : c;
    } catch (UnrecognizedPropertyException e) {
      TreeSet<String> known = new TreeSet<>();
      e.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      throw new ConfigException(
          where(name, lineOf(yaml, e), e.getLocation())
              + "unknown key '"
              + path(e)
              + "' (known here: "
              + String.join(", ", known)
              + ")",
          e);
    } catch (JsonMappingException e) {
      if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("No content")) {
        return NodeConfig.defaults(); // empty, or only comments
      }
      throw new ConfigException(where(name, lineOf(yaml, e), e.getLocation()) + reason(e), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException(
          where(name, -1, e.getLocation()) + "not valid YAML: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ConfigException("cannot read config " + name + ": " + e.getMessage(), e);
    }
  }

  /** The effective config as YAML, with the root secret key masked. */
  public static String toYaml(NodeConfig c) {
    NodeConfig masked =
        new NodeConfig(
            c.data(), c.storage(), c.s3(), c.admin(), c.pfs(), c.log(), c.auth().masked());
    try {
      return YAML.writeValueAsString(masked);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print the config", e);
    }
  }

  private static String where(String name, int line, JsonLocation loc) {
    if (line < 1) {
      line = loc == null ? -1 : loc.getLineNr();
    }
    return line < 1 ? "config " + name + ": " : "config " + name + " line " + line + ": ";
  }

  /**
   * The line of the key a mapping error names, found by following its path through the text (the
   * YAML parser reports where it stopped reading, often the line after a plain scalar); -1 when the
   * path cannot be followed.
   */
  private static int lineOf(byte[] yaml, JsonMappingException e) {
    String[] lines = new String(yaml, java.nio.charset.StandardCharsets.UTF_8).split("\n", -1);
    int at = 0;
    int found = -1;
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() == null) {
        continue;
      }
      java.util.regex.Pattern key =
          java.util.regex.Pattern.compile(
              "^\\s*(- )?[\"']?"
                  + java.util.regex.Pattern.quote(r.getFieldName())
                  + "[\"']?\\s*:.*");
      int i = at;
      while (i < lines.length && !key.matcher(lines[i]).matches()) {
        i++;
      }
      if (i == lines.length) {
        return -1;
      }
      found = i + 1;
      at = i + 1;
    }
    return found;
  }

  private static String path(JsonMappingException e) {
    StringJoiner j = new StringJoiner(".");
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        j.add(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        j.add("[" + r.getIndex() + "]");
      }
    }
    return j.toString().replace(".[", "[");
  }

  private static String reason(JsonMappingException e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String key = path(e);
    if (root instanceof IllegalArgumentException && root.getMessage() != null) {
      String m = root.getMessage();
      int colon = m.indexOf(": ");
      boolean named = colon > 0 && m.substring(0, colon).matches("[a-z0-9.\\-\\[\\]]+");
      return named || key.isEmpty() ? m : key + ": " + m;
    }
    String m = e.getOriginalMessage();
    if (m != null && m.startsWith("Cannot deserialize value of type")) {
      m = "wrong type of value (" + m.replaceAll("\\s+", " ") + ")";
    }
    return key.isEmpty() ? m : key + ": " + m;
  }

  private static ObjectMapper mapper() {
    SimpleModule units = new SimpleModule("aquifer-units");
    units.addDeserializer(
        Duration.class,
        new JsonDeserializer<>() {
          @Override
          public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            return Durations.parse(p.getValueAsString(p.getText()));
          }
        });
    units.addSerializer(
        Duration.class,
        new JsonSerializer<>() {
          @Override
          public void serialize(Duration d, JsonGenerator g, SerializerProvider sp)
              throws IOException {
            g.writeString(Durations.format(d));
          }
        });
    YAMLFactory f =
        YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build();
    ObjectMapper m = new ObjectMapper(f);
    m.setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE);
    m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    // a section with only comments under it ("tls:") is empty, not an error
    m.enable(DeserializationFeature.ACCEPT_EMPTY_STRING_AS_NULL_OBJECT);
    m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    m.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    m.registerModule(units);
    return m;
  }
}
