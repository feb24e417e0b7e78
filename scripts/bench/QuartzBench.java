import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.quartz.CronScheduleBuilder;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;

/**
 * The reference side of the scheduler benchmark: the real Quartz 2.3.2 with
 * a clustered JDBC store (JobStoreTX, StdJDBCDelegate or PostgreSQLDelegate, database row locks)
 * on a fresh MariaDB database, N jobs whose cron triggers fire every second
 * ({@code * * * * * ?}), a job that only records its scheduled and actual
 * fire time, for S seconds. Prints the same figures as
 * {@code cdp-spark-provisioner bench scheduler}:
 *
 * <pre>
 * QuartzBench JDBC_URL USER PASSWORD TRIGGERS SECONDS [THREADS [BATCH]]
 * quartz: triggers=… seconds=… fires=… expected=… duplicates=… threads=… batch=…
 * quartz: fires_per_s=… p50_ms=… p99_ms=… max_ms=… rss_mb=…
 * </pre>
 *
 * Lateness is the job's start minus its scheduled fire time; fires count
 * when they ran inside the window [start + 1 s, start + 1 s + S) (the same
 * rule as ours); duplicates (a job fired twice for one scheduled time) are
 * counted over every fire.
 */
public class QuartzBench {

    /** A small fixed pool: Quartz closes connections, the proxy returns them. */
    public static class PoolProvider implements ConnectionProvider {
        private String url;
        private String user = "";
        private String password = "";
        private int size = 12;
        private LinkedBlockingQueue<Connection> idle;
        private final AtomicInteger opened = new AtomicInteger();

        public void setUrl(String url) { this.url = url; }
        public void setUser(String user) { this.user = user; }
        public void setPassword(String password) { this.password = password; }
        public void setSize(String size) { this.size = Integer.parseInt(size); }

        @Override
        public void initialize() {
            idle = new LinkedBlockingQueue<>();
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection raw = idle.poll();
            if (raw == null) {
                if (opened.incrementAndGet() <= size) {
                    raw = DriverManager.getConnection(url, user, password);
                } else {
                    opened.decrementAndGet();
                    try {
                        raw = idle.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new SQLException("interrupted while waiting for a pooled connection", e);
                    }
                }
            }
            final Connection real = raw;
            InvocationHandler h = (proxy, method, args) -> {
                if (method.getName().equals("close")) {
                    if (!real.getAutoCommit()) {
                        real.rollback();
                        real.setAutoCommit(true);
                    }
                    idle.offer(real);
                    return null;
                }
                try {
                    return method.invoke(real, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            };
            return (Connection) Proxy.newProxyInstance(
                QuartzBench.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
        }

        @Override
        public void shutdown() {
            Connection c;
            while ((c = idle.poll()) != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing at exit
                }
            }
        }
    }

    /** Compact record of fires: two parallel long arrays. */
    static long[] scheduled;
    static long[] actual;
    static int[] jobIndex;
    static final AtomicInteger recorded = new AtomicInteger();

    /** Records the fire; does nothing else. */
    public static class RecordJob implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            long now = System.currentTimeMillis();
            int i = recorded.getAndIncrement();
            if (i < scheduled.length) {
                scheduled[i] = context.getScheduledFireTime().getTime();
                actual[i] = now;
                jobIndex[i] = Integer.parseInt(context.getJobDetail().getKey().getName().substring(3));
            }
        }
    }

    /** PostgreSQL (its table script and PostgreSQLDelegate) or MariaDB/MySQL. */
    static boolean postgres(String url) {
        return url.startsWith("jdbc:postgresql:");
    }

    static void createTables(String url, String user, String password) throws Exception {
        String script = postgres(url) ? "tables_postgres.sql" : "tables_mysql_innodb.sql";
        InputStream in = Scheduler.class.getResourceAsStream("/org/quartz/impl/jdbcjobstore/" + script);
        if (in == null) {
            throw new IllegalStateException(script + " is not in the Quartz jar on the class path");
        }
        StringBuilder sql = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String t = line.trim();
                if (t.startsWith("#") || t.startsWith("--")) {
                    continue;
                }
                sql.append(line).append('\n');
            }
        }
        try (Connection c = DriverManager.getConnection(url, user, password);
             Statement s = c.createStatement()) {
            for (String stmt : sql.toString().split(";")) {
                String t = stmt.trim();
                if (t.isEmpty() || t.equalsIgnoreCase("commit")) {
                    continue;
                }
                s.execute(t);
            }
        }
    }

    static double peakRssMb() {
        try {
            for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (Exception ignored) {
            // no /proc: 0
        }
        return 0.0;
    }

    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.round((sorted.length - 1) * p);
        return sorted[Math.min(i, sorted.length - 1)];
    }

    static Map<JobDetail, Set<? extends Trigger>> benchJobs(int from, int to, long start) {
        Map<JobDetail, Set<? extends Trigger>> jobs = new HashMap<>();
        for (int i = from; i < to; i++) {
            String name = String.format("job%05d", i);
            JobDetail job = JobBuilder.newJob(RecordJob.class).withIdentity(name, "bench").build();
            Trigger t = TriggerBuilder.newTrigger()
                .withIdentity(name, "bench")
                .startAt(new Date(start))
                .withSchedule(CronScheduleBuilder.cronSchedule("* * * * * ?")
                    .inTimeZone(TimeZone.getTimeZone("UTC")))
                .build();
            Set<Trigger> one = new HashSet<>();
            one.add(t);
            jobs.put(job, one);
        }
        return jobs;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: QuartzBench JDBC_URL USER PASSWORD TRIGGERS SECONDS [THREADS [BATCH]]");
            System.exit(2);
        }
        String url = args[0];
        String user = args[1];
        String password = args[2];
        int triggers = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        int threads = args.length > 5 ? Integer.parseInt(args[5]) : 10;
        int batch = args.length > 6 ? Integer.parseInt(args[6]) : 1;
        if (triggers < 1 || seconds < 1 || threads < 1 || batch < 1) {
            System.err.println("error: TRIGGERS, SECONDS, THREADS and BATCH must be at least 1");
            System.exit(2);
        }

        createTables(url, user, password);
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8L, (long) triggers * (seconds + 8L));
        scheduled = new long[capacity];
        actual = new long[capacity];
        jobIndex = new int[capacity];

        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "QuartzBench");
        p.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", Integer.toString(batch));
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", postgres(url)
            ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate"
            : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.dataSource", "db");
        p.setProperty("org.quartz.dataSource.db.connectionProvider.class", PoolProvider.class.getName());
        p.setProperty("org.quartz.dataSource.db.url", url);
        p.setProperty("org.quartz.dataSource.db.user", user);
        p.setProperty("org.quartz.dataSource.db.password", password);
        p.setProperty("org.quartz.dataSource.db.size", Integer.toString(threads + 3));
        Scheduler s = new StdSchedulerFactory(p).getScheduler();

        // Storing 10,000 jobs takes seconds: time the first few (starting a
        // day ahead), then start every trigger far enough ahead that the
        // whole set is stored before the first fire (the same rule as ours).
        int probe = Math.min(triggers, 50);
        long began = System.nanoTime();
        s.scheduleJobs(benchJobs(0, probe, System.currentTimeMillis() + 86_400_000L), true);
        double perJobMs = (System.nanoTime() - began) / 1e6 / probe;
        long setup = (long) (perJobMs * triggers * 1.5);
        long start = ((System.currentTimeMillis() + 3000L + setup) / 1000L) * 1000L;
        s.scheduleJobs(benchJobs(0, triggers, start), true);
        if (System.currentTimeMillis() >= start) {
            System.err.println("error: storing the jobs took longer than estimated; run again");
            System.exit(1);
        }
        s.start();

        long windowStart = start + 1000L;
        long windowEnd = windowStart + seconds * 1000L;
        long wait = windowEnd + 2000L - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
        int n = Math.min(recorded.get(), scheduled.length);
        s.standby();
        long[] late = new long[n];
        long[] keys = new long[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            keys[i] = scheduled[i] * 100_000L + jobIndex[i];
            if (actual[i] >= windowStart && actual[i] < windowEnd) {
                late[m] = actual[i] - scheduled[i];
                m++;
            }
        }
        late = Arrays.copyOf(late, m);
        Arrays.sort(late);
        Arrays.sort(keys);
        int duplicates = 0;
        for (int i = 1; i < n; i++) {
            if (keys[i] == keys[i - 1]) {
                duplicates++;
            }
        }
        double rss = peakRssMb();
        System.out.printf("quartz: triggers=%d seconds=%d fires=%d expected=%d duplicates=%d threads=%d batch=%d%n",
            triggers, seconds, m, (long) triggers * seconds, duplicates, threads, batch);
        System.out.printf(java.util.Locale.ROOT,
            "quartz: fires_per_s=%.1f p50_ms=%d p99_ms=%d max_ms=%d rss_mb=%.1f%n",
            m / (double) seconds, percentile(late, 0.5), percentile(late, 0.99),
            m == 0 ? 0 : late[m - 1], rss);
        System.out.flush();
        s.shutdown(false);
        System.exit(0);
    }
}
