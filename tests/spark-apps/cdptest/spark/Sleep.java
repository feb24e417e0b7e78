package cdptest.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Starts a SparkContext and sleeps the seconds of its first argument (default 600). */
public final class Sleep {
    private Sleep() {}

    public static void main(String[] args) throws InterruptedException {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 600L;
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf())) {
            for (long i = 0; i < seconds; i++) {
                System.out.println("cdptest.spark.Sleep " + i + "/" + seconds);
                Thread.sleep(1000L);
            }
        }
    }
}
