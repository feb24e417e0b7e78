import it.agilelab.provisioning.spark.workloads.provisioner.quartz.LivyJob;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.TimeZone;
import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.Scheduler;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import scala.collection.IterableFactory$ToFactory;
import scala.collection.MapFactory$ToFactory;
import scala.collection.generic.DefaultSerializationProxy;
import scala.runtime.ModuleSerializationProxy;

/**
 * The old Scala provisioner's writes (JobManager.createJob, TriggerManager.createTrigger,
 * SchedulingServiceWithQuartz), replayed with the real Quartz 2.3.2: JobStoreTX with its
 * documented PostgreSQLDelegate and Quartz's default useProperties=false, so JOB_DATA is a
 * serialized JobDataMap holding Scala-shaped collections (the stand-ins of tests/java/scala).
 * A MariaDB JDBC URL takes Quartz's tables_mysql_innodb.sql and StdJDBCDelegate instead.
 *
 * <pre>
 * OldProvisioner hex                      prints the hex of such a JobDataMap
 * OldProvisioner schedule JDBC USER PASS  creates Quartz's tables, schedules the jobs, prints
 *                                         "TRIGGER_NAME\tNEXT_FIRE_MS" for each trigger
 * </pre>
 */
public class OldProvisioner {

    /** A connection per call, straight from DriverManager. */
    public static class DriverManagerProvider implements ConnectionProvider {
        private String url;
        private String user = "";
        private String password = "";

        public void setUrl(String url) { this.url = url; }
        public void setUser(String user) { this.user = user; }
        public void setPassword(String password) { this.password = password; }

        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        @Override
        public void shutdown() {}

        @Override
        public void initialize() {}
    }

    /** A Scala 2.13 List of strings, as serialized (knownSize -1: end marker follows). */
    static Object scalaList(String... items) {
        Object factory = new IterableFactory$ToFactory(
            new ModuleSerializationProxy(scala.collection.immutable.List$.class));
        return new DefaultSerializationProxy(factory, new ArrayList<Object>(Arrays.asList(items)),
            items.length == 0 ? 0 : -1);
    }

    /** A Scala 2.13 immutable HashMap (5+ entries) of strings, as serialized. */
    static Object scalaMap(String... kv) {
        Object factory = new MapFactory$ToFactory(
            new ModuleSerializationProxy(scala.collection.immutable.Map$.class));
        List<Object> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            pairs.add(new scala.Tuple2(kv[i], kv[i + 1]));
        }
        return new DefaultSerializationProxy(factory, pairs, pairs.size());
    }

    static Object emptyScalaMap() {
        return new ModuleSerializationProxy(scala.collection.immutable.Map$EmptyMap$.class);
    }

    /** JobManager.createJob's job data map. */
    static JobDataMap jobData(String name, Object args, Object conf) {
        JobDataMap m = new JobDataMap();
        m.put("className", "com.acme.Agg");
        m.put("jarPath", "hdfs://ns1/apps/agg.jar");
        m.put("jobArgs", args);
        m.put("driverMemory", "2g");
        m.put("driverCores", 1);
        m.put("executorMemory", "4g");
        m.put("executorCores", 2);
        m.put("numExecutors", 3);
        m.put("conf", conf);
        m.put("name", name);
        m.put("queue", "root.finance");
        return m;
    }

    static Object sampleArgs() { return scalaList("--date", "città 🚀", "a=b"); }

    static Object sampleConf() {
        return scalaMap("spark.sql.shuffle.partitions", "8", "spark.a", "1", "spark.b", "2",
            "spark.c", "3", "spark.d", "4");
    }

    public static void main(String[] a) throws Exception {
        if (a[0].equals("hex")) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (ObjectOutputStream o = new ObjectOutputStream(b)) {
                o.writeObject(jobData("daily-agg", sampleArgs(), sampleConf()));
            }
            StringBuilder s = new StringBuilder();
            for (byte x : b.toByteArray()) {
                s.append(String.format("%02x", x & 0xff));
            }
            System.out.println(s);
            return;
        }
        String url = a[1], user = a[2], password = a[3];
        try (Connection c = DriverManager.getConnection(url, user, password);
             InputStream in = Scheduler.class.getResourceAsStream(
                 url.startsWith("jdbc:postgresql:")
                     ? "/org/quartz/impl/jdbcjobstore/tables_postgres.sql"
                     : "/org/quartz/impl/jdbcjobstore/tables_mysql_innodb.sql")) {
            String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            StringBuilder sql = new StringBuilder();
            for (String line : script.split("\n")) {
                if (!line.trim().startsWith("--") && !line.trim().startsWith("#")) {
                    sql.append(line).append('\n');
                }
            }
            try (Statement st = c.createStatement()) {
                for (String stmt : sql.toString().split(";")) {
                    String t = stmt.trim();
                    if (!t.isEmpty() && !t.equalsIgnoreCase("commit")) {
                        st.execute(t);
                    }
                }
            }
        }
        // The old provisioner's JVM zone: CronScheduleBuilder takes TimeZone.getDefault().
        TimeZone.setDefault(TimeZone.getTimeZone("Europe/Rome"));
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "PostgresScheduler");
        p.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", "1");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", url.startsWith("jdbc:postgresql:")
            ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate"
            : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", "quartzDS");
        p.setProperty("org.quartz.dataSource.quartzDS.connectionProvider.class",
            DriverManagerProvider.class.getName());
        p.setProperty("org.quartz.dataSource.quartzDS.url", url);
        p.setProperty("org.quartz.dataSource.quartzDS.user", user);
        p.setProperty("org.quartz.dataSource.quartzDS.password", password);
        Scheduler s = new StdSchedulerFactory(p).getScheduler();
        long day = 24L * 3600 * 1000;
        Date start = new Date(System.currentTimeMillis() + day);
        Date end = new Date(System.currentTimeMillis() + 20 * 365 * day);
        // A scheduled job, as createAndScheduleJob writes it.
        schedule(s, "daily-agg", "sales", sampleArgs(), sampleConf(),
            TriggerBuilder.newTrigger().withIdentity("daily-aggTrigger", "sales").startAt(start)
                .endAt(end).forJob("daily-agg", "sales")
                .withSchedule(CronScheduleBuilder.cronSchedule("0 0 3 * * ?")).build());
        // No schedule: TriggerBuilder.build() without one is a one-shot SimpleTrigger.
        schedule(s, "once", "sales", scalaList(),
            new scala.collection.immutable.Map$Map2("spark.a", "1", "spark.b", "2"),
            TriggerBuilder.newTrigger().withIdentity("onceTrigger", "sales").startAt(start)
                .endAt(end).forJob("once", "sales").build());
        // A value no reader should accept as a string list.
        schedule(s, "odd", "sales", new Date(0), emptyScalaMap(),
            TriggerBuilder.newTrigger().withIdentity("oddTrigger", "sales").startAt(start)
                .endAt(end).forJob("odd", "sales")
                .withSchedule(CronScheduleBuilder.cronSchedule("0 0 4 * * ?")).build());
        for (String t : new String[] {"daily-aggTrigger", "onceTrigger", "oddTrigger"}) {
            Trigger tr = s.getTrigger(new TriggerKey(t, "sales"));
            System.out.println(t + "\t" + tr.getNextFireTime().getTime());
        }
        s.shutdown(false);
    }

    static void schedule(Scheduler s, String name, String group, Object args, Object conf,
                         Trigger trigger) throws Exception {
        JobDetail job = JobBuilder.newJob(LivyJob.class).withIdentity(name, group)
            .storeDurably(true).build();
        job.getJobDataMap().putAll(jobData(name, args, conf));
        s.scheduleJob(job, trigger);
    }
}
