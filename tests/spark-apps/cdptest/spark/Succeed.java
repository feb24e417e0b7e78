package cdptest.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Counts a small dataset on the executors and ends successfully. */
public final class Succeed {
    private Succeed() {}

    public static void main(String[] args) {
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf())) {
            List<Integer> numbers = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                numbers.add(i);
            }
            long even = sc.parallelize(numbers, 2).filter(n -> n % 2 == 0).count();
            System.out.println("cdptest.spark.Succeed counted " + even);
            for (int i = 0; i < args.length; i++) {
                System.out.println("arg[" + i + "]=" + args[i]);
            }
        }
    }
}
