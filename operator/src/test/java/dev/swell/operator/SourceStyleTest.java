package dev.swell.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the formatter (Spotless with google-java-format, run by every build) does not catch: a class
 * written with its package inline where an import would do. A fully qualified name stays only where
 * the simple name would clash (imported from elsewhere, declared in the file, or used from two
 * packages in it).
 */
class SourceStyleTest {

  static final Pattern FQN =
      Pattern.compile(
          "(?<![\\w.@\"])((?:java|javax|io|dev|ch|com|org)\\.(?:[a-z0-9_]+\\.)+)([A-Z][A-Za-z0-9_]*)");
  static final Pattern IMPORT = Pattern.compile("^import ([\\w.]+)\\.(\\w+);");
  static final Pattern DECLARED =
      Pattern.compile("\\b(?:class|interface|enum|record)\\s+([A-Z]\\w*)");

  @Test
  void noInlineFullyQualifiedNamesWhereAnImportWouldDo() throws IOException {
    List<String> found = new ArrayList<>();
    for (String module : List.of("../operator/src", "../sample-app/src", "../testkit/src")) {
      try (Stream<Path> files = Files.walk(Path.of(module))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          found.addAll(inline(f, Files.readString(f)));
        }
      }
    }
    assertThat(found).as("inline fully qualified names: import them").isEmpty();
  }

  @Test
  void theCheckFindsAnInlineName() {
    String source =
        "package a;\nimport java.util.List;\nclass A {\n  java.util.Map<String, String> m;\n"
            + "  String s = \"java.util.Set\";\n}\n";
    assertThat(inline(Path.of("A.java"), source))
        .singleElement()
        .asString()
        .contains("java.util.Map");
  }

  static List<String> inline(Path file, String source) {
    Map<String, String> imports = new HashMap<>();
    Set<String> declared = new HashSet<>();
    Map<String, Set<String>> packagesOf = new HashMap<>();
    source
        .lines()
        .map(IMPORT::matcher)
        .filter(Matcher::find)
        .forEach(m -> imports.put(m.group(2), m.group(1) + "." + m.group(2)));
    DECLARED.matcher(source).results().forEach(r -> declared.add(r.group(1)));
    FQN.matcher(source)
        .results()
        .forEach(r -> packagesOf.computeIfAbsent(r.group(2), k -> new HashSet<>()).add(r.group(1)));
    List<String> found = new ArrayList<>();
    boolean textBlock = false;
    int n = 0;
    for (String line : source.lines().toList()) {
      n++;
      String s = line.strip();
      if ((line.split("\"\"\"", -1).length - 1) % 2 == 1) {
        textBlock = !textBlock;
        continue;
      }
      if (textBlock
          || s.startsWith("import ")
          || s.startsWith("package ")
          || s.startsWith("//")
          || s.startsWith("*")
          || s.startsWith("/*")) {
        continue;
      }
      Matcher m = FQN.matcher(line);
      while (m.find()) {
        String simple = m.group(2);
        boolean inString =
            line.substring(0, m.start()).chars().filter(c -> c == '"').count() % 2 == 1;
        boolean clash =
            declared.contains(simple)
                || packagesOf.get(simple).size() > 1
                || imports.containsKey(simple) && !imports.get(simple).equals(m.group(1) + simple);
        if (!inString && !clash) {
          found.add(file + ":" + n + ": " + m.group(1) + simple);
        }
      }
    }
    return found;
  }
}
