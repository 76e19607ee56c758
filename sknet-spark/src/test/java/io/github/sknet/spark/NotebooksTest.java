package io.github.sknet.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.spark.SparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import scala.collection.immutable.Nil$;
import scala.runtime.AbstractFunction0;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;

/**
 * Runs every paragraph of every notebooks/*.zpln the way Zeppelin's Spark interpreter would: one Scala
 * 2.12 REPL (class-based, the test classpath), the notebook's {@code sc} predefined, paragraphs in
 * order, sharing state. A paragraph that does not compile or throws fails the build. %md paragraphs
 * are rendered by Zeppelin and are only checked for being Markdown.
 */
class NotebooksTest {
    private static final Path NOTEBOOKS = Path.of("..", "notebooks");
    private static SparkContext sc;
    private static ByteArrayOutputStream replLog = new ByteArrayOutputStream();

    @BeforeAll
    static void startSpark() {
        sc = SparkTestContext.get().sc();
    }

    static Stream<Path> notebooks() throws IOException {
        try (Stream<Path> s = Files.list(NOTEBOOKS)) {
            List<Path> all = s.filter(p -> p.toString().endsWith(".zpln")).sorted().collect(Collectors.toList());
            assertTrue(all.size() >= 3, "expected at least 3 notebooks in " + NOTEBOOKS.toAbsolutePath());
            return all.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notebooks")
    void everyParagraphRuns(Path notebook) throws IOException {
        JsonObject note = new JsonParser().parse(Files.readString(notebook)).getAsJsonObject();
        assertTrue(note.has("name") && note.has("paragraphs") && note.has("defaultInterpreterGroup"),
                notebook + " is not a Zeppelin note");
        IMain repl = newRepl();
        int code = 0;
        boolean displayed = false;
        for (JsonElement e : note.getAsJsonArray("paragraphs")) {
            JsonObject p = e.getAsJsonObject();
            String title = p.has("title") ? p.get("title").getAsString() : p.get("id").getAsString();
            String text = p.get("text").getAsString();
            if (text.startsWith("%md")) {
                continue;
            }
            String body = text.startsWith("%spark") ? text.substring(text.indexOf('\n') + 1) : text;
            if (text.startsWith("%") && !text.startsWith("%spark")) {
                fail(notebook.getFileName() + " / " + title + ": only %spark and %md paragraphs are run here");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Results.Result r = scala.Console$.MODULE$.withOut(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new AbstractFunction0<Results.Result>() {
                        @Override
                        public Results.Result apply() {
                            return repl.interpret(body);
                        }
                    });
            String printed = out.toString(StandardCharsets.UTF_8);
            System.out.println("--- " + notebook.getFileName() + " / " + title + " -> " + r + "\n" + printed);
            if (!(r instanceof Results.Success$)) {
                fail(notebook.getFileName() + " / paragraph '" + title + "' did not run (" + r + "):\n" + printed
                        + "\n" + replLog.toString(StandardCharsets.UTF_8));
            }
            displayed |= printed.contains("%table") || printed.contains("%html");
            code++;
        }
        assertTrue(code >= 3, notebook + ": too few code paragraphs");
        assertTrue(displayed, notebook + ": nothing shown with Zeppelin's display system (%table / %html)");
    }

    private static IMain newRepl() {
        Settings settings = new Settings();
        settings.processArgumentString("-Yrepl-class-based -usejavacp");
        replLog = new ByteArrayOutputStream();
        IMain repl = new IMain(settings, new PrintWriter(replLog, true));
        // Zeppelin also predefines `spark` (a SparkSession, spark-sql); the notebooks use only `sc`
        bind(repl, "sc", "org.apache.spark.SparkContext", sc);
        return repl;
    }

    private static void bind(IMain repl, String name, String type, Object value) {
        @SuppressWarnings("unchecked")
        scala.collection.immutable.List<String> none = (scala.collection.immutable.List<String>) (Object) Nil$.MODULE$;
        Results.Result r = repl.bind(name, type, value, none);
        if (!(r instanceof Results.Success$)) {
            fail("could not predefine " + name + ": " + replLog.toString(StandardCharsets.UTF_8));
        }
    }
}
