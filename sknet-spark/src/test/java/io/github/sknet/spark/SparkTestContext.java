package io.github.sknet.spark;

import java.nio.file.Path;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The one SparkContext of the test JVM (Spark allows one per JVM, as in a notebook): local[2] on the
 * loopback interface, no UI, scratch files under target/. Stopped when the JVM exits.
 */
final class SparkTestContext {
    private static JavaSparkContext sc;

    private SparkTestContext() {
    }

    static synchronized JavaSparkContext get() {
        if (sc == null) {
            SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("sknet-spark-test")
                    .set("spark.ui.enabled", "false")
                    .set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1")
                    .set("spark.local.dir", target("spark-local").toString())
                    // DL4J's default export directory is under hadoop.tmp.dir (else /tmp/hadoop-$USER)
                    .set("spark.hadoop.hadoop.tmp.dir", target("hadoop-tmp").toString());
            sc = JavaSparkContext.fromSparkContext(SparkContext.getOrCreate(conf));
            Runtime.getRuntime().addShutdownHook(new Thread(sc::stop));
        }
        return sc;
    }

    /** A folder under the module's target/ (surefire runs in the module folder). */
    static Path target(String name) {
        return Path.of("target", name).toAbsolutePath();
    }
}
