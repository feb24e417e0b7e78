package cdp.minicluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.MiniDFSNNTopology;
import org.apache.hadoop.minikdc.MiniKdc;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * A real Hadoop cluster in one JVM for the provisioner's test suite: HDFS
 * (one or, with --ha, two NameNodes of one nameservice, one DataNode,
 * permissions on), YARN (a ResourceManager with its REST API, NodeManagers
 * that launch containers, log aggregation to HDFS) and, with --kerberos, a
 * KDC with secure HDFS (Kerberos RPC, SASL data transfer) and a secure RM
 * (SPNEGO on its web and REST API).
 *
 * <p>Usage: {@code MiniCluster DIR [--ha] [--kerberos] [--nodemanagers N]}.
 * It writes into DIR the client configuration a CDP gateway host has
 * ({@code conf/core-site.xml}, {@code hdfs-site.xml}, {@code yarn-site.xml},
 * with --kerberos {@code krb5.conf} and {@code keytabs/}), {@code env} (shell
 * assignments for the tests), then prints one line starting with
 * {@code minicluster: ready}. A small HTTP control endpoint on 127.0.0.1
 * lets tests move NameNodes ({@code POST /namenode/N/active|standby|stop|start}).
 * SIGTERM stops everything.
 */
public final class MiniCluster {
    static final String NAMESERVICE = "cdpns";
    static final String HOST = "localhost";
    /** The identity of the provisioner: its HDFS user and Kerberos principal. */
    static final String SERVICE_USER = "cdpprov";
    /** Another team's user, owner of files the provisioner may not read. */
    static final String OTHER_USER = "alice";

    final Path dir;
    final boolean ha;
    final boolean kerberos;
    final int nodeManagers;
    MiniKdc kdc;
    String realm;
    MiniDFSCluster dfs;
    MiniYARNCluster yarn;
    HttpServer control;
    final Map<String, String> env = new LinkedHashMap<>();

    MiniCluster(Path dir, boolean ha, boolean kerberos, int nodeManagers) {
        this.dir = dir;
        this.ha = ha;
        this.kerberos = kerberos;
        this.nodeManagers = nodeManagers;
    }

    public static void main(String[] args) throws Exception {
        Path dir = null;
        boolean ha = false;
        boolean kerberos = false;
        int nodeManagers = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--ha":
                    ha = true;
                    break;
                case "--kerberos":
                    kerberos = true;
                    break;
                case "--nodemanagers":
                    nodeManagers = Integer.parseInt(args[++i]);
                    break;
                default:
                    if (args[i].startsWith("--") || dir != null) {
                        usage("unknown argument " + args[i]);
                    }
                    dir = Path.of(args[i]).toAbsolutePath();
            }
        }
        if (dir == null) {
            usage("the cluster's folder is missing");
        }
        MiniCluster cluster = new MiniCluster(dir, ha, kerberos, nodeManagers);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cluster.stop();
            stopped.countDown();
        }, "minicluster-stop"));
        try {
            cluster.start();
        } catch (Throwable e) {
            System.err.println("minicluster: failed to start: " + e);
            e.printStackTrace();
            System.exit(1);
        }
        System.out.println("minicluster: ready " + String.join(" ", cluster.summary()));
        System.out.flush();
        stopped.await();
    }

    static void usage(String problem) {
        System.err.println("minicluster: " + problem);
        System.err.println("usage: MiniCluster DIR [--ha] [--kerberos] [--nodemanagers N]");
        System.exit(2);
    }

    List<String> summary() {
        List<String> out = new ArrayList<>();
        out.add("hdfs=" + env.get("CDP_TEST_HDFS_URL"));
        out.add("rm=" + env.get("CDP_TEST_YARN_RM"));
        out.add("webhdfs=" + env.get("CDP_TEST_WEBHDFS"));
        out.add("conf=" + dir.resolve("conf"));
        if (kerberos) {
            out.add("realm=" + realm);
        }
        return out;
    }

    void start() throws Exception {
        Path conf = dir.resolve("conf");
        Files.createDirectories(conf);
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Configuration base = new HdfsConfiguration();
        if (kerberos) {
            startKdc(base);
        }
        startDfs(base, data);
        prepareHdfs();
        startYarn(base, data);
        startControl();
        writeClientConfiguration(conf);
        writeEnv();
    }

    // ---- Kerberos -------------------------------------------------------

    void startKdc(Configuration conf) throws Exception {
        Path kdcDir = dir.resolve("kdc");
        Files.createDirectories(kdcDir);
        java.util.Properties kdcConf = MiniKdc.createConf();
        kdcConf.setProperty(MiniKdc.KDC_BIND_ADDRESS, "127.0.0.1");
        kdc = new MiniKdc(kdcConf, kdcDir.toFile());
        kdc.start();
        realm = kdc.getRealm();
        Path keytabs = dir.resolve("keytabs");
        Files.createDirectories(keytabs);
        // The daemons share this JVM and so one Kerberos login (Hadoop keeps
        // it per class loader): NameNode, DataNode, ResourceManager and
        // NodeManager all run as hdfs/localhost, the HDFS superuser; every
        // web server answers SPNEGO as HTTP/localhost.
        kdc.createPrincipal(keytabs.resolve("hdfs.keytab").toFile(), "hdfs/" + HOST, "HTTP/" + HOST);
        // The provisioner, and another user.
        kdc.createPrincipal(keytabs.resolve(SERVICE_USER + ".keytab").toFile(), SERVICE_USER);
        kdc.createPrincipal(keytabs.resolve(OTHER_USER + ".keytab").toFile(), OTHER_USER);
        // A keytab that looks right but holds stale keys: the principal
        // exists, its key in the KDC differs.
        kdc.createPrincipal(keytabs.resolve("stale.keytab").toFile(), "stale");
        java.lang.reflect.Field field = MiniKdc.class.getDeclaredField("simpleKdc");
        field.setAccessible(true);
        org.apache.kerby.kerberos.kerb.server.SimpleKdcServer server =
                (org.apache.kerby.kerberos.kerb.server.SimpleKdcServer) field.get(kdc);
        server.deletePrincipal("stale@" + realm);
        server.createPrincipal("stale@" + realm, "another-password");
        Files.copy(kdc.getKrb5conf().toPath(), dir.resolve("conf/krb5.conf"), StandardCopyOption.REPLACE_EXISTING);
        System.setProperty("java.security.krb5.conf", kdc.getKrb5conf().getAbsolutePath());

        String hdfsKeytab = keytabs.resolve("hdfs.keytab").toString();
        String yarnKeytab = hdfsKeytab;
        conf.set("hadoop.security.authentication", "kerberos");
        conf.set("hadoop.security.authorization", "true");
        conf.set("hadoop.rpc.protection", "authentication");
        conf.set("dfs.data.transfer.protection", "authentication");
        conf.set("dfs.block.access.token.enable", "true");
        conf.set("ignore.secure.ports.for.testing", "true");
        conf.set("dfs.namenode.kerberos.principal", "hdfs/" + HOST + "@" + realm);
        conf.set("dfs.namenode.keytab.file", hdfsKeytab);
        conf.set("dfs.datanode.kerberos.principal", "hdfs/" + HOST + "@" + realm);
        conf.set("dfs.datanode.keytab.file", hdfsKeytab);
        conf.set("dfs.web.authentication.kerberos.principal", "HTTP/" + HOST + "@" + realm);
        conf.set("dfs.web.authentication.kerberos.keytab", hdfsKeytab);
        conf.set("dfs.namenode.kerberos.internal.spnego.principal", "HTTP/" + HOST + "@" + realm);
        conf.set("yarn.resourcemanager.principal", "hdfs/" + HOST + "@" + realm);
        conf.set("yarn.resourcemanager.keytab", yarnKeytab);
        conf.set("yarn.nodemanager.principal", "hdfs/" + HOST + "@" + realm);
        conf.set("yarn.nodemanager.keytab", yarnKeytab);
        // SPNEGO on the web servers (the RM's REST API included).
        conf.set("hadoop.http.authentication.type", "kerberos");
        conf.set("hadoop.http.authentication.simple.anonymous.allowed", "false");
        conf.set("hadoop.http.authentication.kerberos.principal", "HTTP/" + HOST + "@" + realm);
        conf.set("hadoop.http.authentication.kerberos.keytab", yarnKeytab);
        conf.set("hadoop.http.filter.initializers",
                "org.apache.hadoop.security.AuthenticationFilterInitializer");
        conf.set("yarn.resourcemanager.webapp.spnego-principal", "HTTP/" + HOST + "@" + realm);
        conf.set("yarn.resourcemanager.webapp.spnego-keytab-file", yarnKeytab);
        conf.set("yarn.nodemanager.webapp.spnego-principal", "HTTP/" + HOST + "@" + realm);
        conf.set("yarn.nodemanager.webapp.spnego-keytab-file", yarnKeytab);
        UserGroupInformation.setConfiguration(conf);
    }

    // ---- HDFS -----------------------------------------------------------

    void startDfs(Configuration base, Path data) throws Exception {
        Configuration conf = new HdfsConfiguration(base);
        conf.setBoolean("dfs.permissions.enabled", true);
        conf.setBoolean("dfs.namenode.acls.enabled", true);
        conf.setBoolean("dfs.webhdfs.enabled", true);
        conf.setLong("dfs.blocksize", 16L << 20);
        conf.setInt("dfs.replication", 1);
        // Quick to notice a NameNode that went away, quick to fail over.
        conf.setInt("dfs.ha.tail-edits.period", 1);
        conf.set("hadoop.proxyuser.yarn.hosts", "*");
        conf.set("hadoop.proxyuser.yarn.groups", "*");
        // Tokens for YARN's renewer; the RM renews as "yarn".
        conf.set("yarn.resourcemanager.principal", base.get("yarn.resourcemanager.principal", "yarn"));
        MiniDFSCluster.Builder builder = new MiniDFSCluster.Builder(conf, data.resolve("dfs").toFile())
                .numDataNodes(1)
                .checkDataNodeAddrConfig(false);
        if (ha) {
            builder.nnTopology(new MiniDFSNNTopology().addNameservice(
                    new MiniDFSNNTopology.NSConf(NAMESERVICE)
                            .addNN(new MiniDFSNNTopology.NNConf("nn1").setIpcPort(freePort()).setHttpPort(freePort()))
                            .addNN(new MiniDFSNNTopology.NNConf("nn2").setIpcPort(freePort()).setHttpPort(freePort()))));
        } else {
            builder.nameNodePort(freePort()).nameNodeHttpPort(freePort());
        }
        dfs = builder.build();
        if (ha) {
            dfs.transitionToActive(0);
        }
        dfs.waitActive();
    }

    void prepareHdfs() throws Exception {
        DistributedFileSystem fs = dfs.getFileSystem(0);
        mkdir(fs, "/tmp", "1777", null);
        mkdir(fs, "/tmp/logs", "1777", null);
        mkdir(fs, "/user", "755", null);
        mkdir(fs, "/user/" + SERVICE_USER, "755", SERVICE_USER);
        mkdir(fs, "/user/" + OTHER_USER, "755", OTHER_USER);
        mkdir(fs, "/user/root", "755", "root");
        // Shared, read-only Spark jars (spark.yarn.archive) and test jars.
        mkdir(fs, "/apps", "1777", null);
    }

    static void mkdir(FileSystem fs, String path, String mode, String owner) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        fs.mkdirs(p);
        fs.setPermission(p, new FsPermission(mode));
        if (owner != null) {
            fs.setOwner(p, owner, owner);
        }
    }

    /** The client-side view of HDFS: default filesystem and, with HA, the nameservice. */
    Map<String, String> hdfsClientSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        if (ha) {
            s.put("fs.defaultFS", "hdfs://" + NAMESERVICE);
            s.put("dfs.nameservices", NAMESERVICE);
            s.put("dfs.ha.namenodes." + NAMESERVICE, "nn1,nn2");
            for (int i = 0; i < 2; i++) {
                String nn = "nn" + (i + 1);
                s.put("dfs.namenode.rpc-address." + NAMESERVICE + "." + nn,
                        HOST + ":" + dfs.getNameNodePort(i));
                s.put("dfs.namenode.http-address." + NAMESERVICE + "." + nn,
                        HOST + ":" + dfs.getNameNode(i).getHttpAddress().getPort());
            }
            s.put("dfs.client.failover.proxy.provider." + NAMESERVICE,
                    "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider");
        } else {
            s.put("fs.defaultFS", "hdfs://" + HOST + ":" + dfs.getNameNodePort(0));
            s.put("dfs.namenode.rpc-address", HOST + ":" + dfs.getNameNodePort(0));
            s.put("dfs.namenode.http-address", HOST + ":" + dfs.getNameNode(0).getHttpAddress().getPort());
        }
        s.put("dfs.webhdfs.enabled", "true");
        s.put("dfs.replication", "1");
        s.put("dfs.client.use.datanode.hostname", "false");
        if (kerberos) {
            s.put("hadoop.security.authentication", "kerberos");
            s.put("hadoop.security.authorization", "true");
            s.put("hadoop.rpc.protection", "authentication");
            s.put("dfs.data.transfer.protection", "authentication");
            s.put("dfs.namenode.kerberos.principal", "hdfs/" + HOST + "@" + realm);
            s.put("dfs.datanode.kerberos.principal", "hdfs/" + HOST + "@" + realm);
        }
        return s;
    }

    // ---- YARN -----------------------------------------------------------

    void startYarn(Configuration base, Path data) throws Exception {
        Configuration conf = new Configuration(base);
        for (Map.Entry<String, String> e : hdfsClientSettings().entrySet()) {
            conf.set(e.getKey(), e.getValue());
        }
        // Fixed ports chosen here: with ephemeral ones the RM computes its
        // proxy (tracking) URLs before it knows its own web port.
        conf.setBoolean("yarn.minicluster.fixed.ports", true);
        conf.set("yarn.resourcemanager.hostname", HOST);
        for (String key : new String[] {"address", "scheduler.address", "resource-tracker.address",
                "admin.address", "webapp.address", "webapp.https.address"}) {
            conf.set("yarn.resourcemanager." + key, HOST + ":" + freePort());
        }
        conf.set("yarn.nodemanager.hostname", HOST);
        // Enough room for a few Spark applications at once on a small machine.
        conf.setInt("yarn.nodemanager.resource.memory-mb", 8192);
        conf.setInt("yarn.nodemanager.resource.cpu-vcores", 8);
        conf.setInt("yarn.scheduler.minimum-allocation-mb", 128);
        conf.setInt("yarn.scheduler.maximum-allocation-mb", 4096);
        conf.setBoolean("yarn.nodemanager.pmem-check-enabled", false);
        conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
        conf.setFloat("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", 99.5f);
        conf.setInt("yarn.resourcemanager.am.max-attempts", 1);
        conf.setBoolean("yarn.log-aggregation-enable", true);
        conf.set("yarn.nodemanager.remote-app-log-dir", "/tmp/logs");
        conf.setInt("yarn.nodemanager.log-aggregation.roll-monitoring-interval-seconds", 3600);
        conf.setInt("yarn.nodemanager.delete.debug-delay-sec", 600);
        conf.set("yarn.nodemanager.env-whitelist",
                "JAVA_HOME,HADOOP_COMMON_HOME,HADOOP_HDFS_HOME,HADOOP_CONF_DIR,HADOOP_YARN_HOME,HADOOP_MAPRED_HOME,PATH,LANG,TZ");
        conf.setBoolean("yarn.timeline-service.enabled", false);
        conf.set("yarn.resourcemanager.scheduler.class",
                "org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler");
        // Two queues: default and one a test can name.
        conf.set("yarn.scheduler.capacity.root.queues", "default,etl");
        conf.set("yarn.scheduler.capacity.root.default.capacity", "60");
        conf.set("yarn.scheduler.capacity.root.etl.capacity", "40");
        conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        conf.set("yarn.scheduler.capacity.root.etl.maximum-capacity", "100");
        conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 0.8f);
        // The ResourceManager here; the NodeManagers below, each in a class
        // loader of its own: Guice keeps one static servlet pipeline per
        // class loader, so a NodeManager's web app started beside the RM's
        // would answer the RM's REST API with its own.
        yarn = new MiniYARNCluster("cdp", 0, 1, 1);
        yarn.init(conf);
        yarn.start();
        Configuration nmConf = new Configuration(yarn.getConfig());
        for (int i = 0; i < nodeManagers; i++) {
            startNodeManager(i, nmConf, data);
        }
        long deadline = System.currentTimeMillis() + 60_000;
        while (yarn.getResourceManager().getResourceScheduler().getNumClusterNodes() < nodeManagers) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the NodeManagers did not register within 60 s");
            }
            Thread.sleep(100);
        }
    }

    final List<Object> nodeManagerServices = new ArrayList<>();
    final List<Integer> nodeManagerHttpPorts = new ArrayList<>();

    void startNodeManager(int index, Configuration base, Path data) throws Exception {
        Path nmDir = data.resolve("nm-" + index);
        Configuration c = new Configuration(base);
        c.set("yarn.nodemanager.local-dirs", nmDir.resolve("local").toString());
        c.set("yarn.nodemanager.log-dirs", nmDir.resolve("logs").toString());
        c.set("yarn.nodemanager.address", HOST + ":0");
        c.set("yarn.nodemanager.localizer.address", HOST + ":" + freePort());
        c.set("yarn.nodemanager.webapp.address", HOST + ":" + freePort());
        c.set("yarn.nodemanager.recovery.enabled", "false");
        // The NodeManager's whole configuration, also as the class path's
        // *-site.xml files: its localizer reads `new Configuration()`.
        Path etc = nmDir.resolve("etc");
        Files.createDirectories(etc);
        Path site = etc.resolve("yarn-site.xml");
        for (String name : new String[] {"core-site.xml", "hdfs-site.xml", "yarn-site.xml"}) {
            try (Writer w = new OutputStreamWriter(Files.newOutputStream(etc.resolve(name)), StandardCharsets.UTF_8)) {
                c.writeXml(w);
            }
        }
        java.util.List<java.net.URL> urls = new ArrayList<>();
        urls.add(etc.toUri().toURL());
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(new File(entry).toURI().toURL());
        }
        ClassLoader loader = new java.net.URLClassLoader(urls.toArray(new java.net.URL[0]),
                ClassLoader.getPlatformClassLoader());
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(loader);
        try {
            Class<?> confClass = loader.loadClass("org.apache.hadoop.yarn.conf.YarnConfiguration");
            Object conf = confClass.getConstructor().newInstance();
            confClass.getMethod("addResource", java.net.URL.class).invoke(conf, site.toUri().toURL());
            Class<?> configuration = loader.loadClass("org.apache.hadoop.conf.Configuration");
            loader.loadClass("org.apache.hadoop.security.UserGroupInformation")
                    .getMethod("setConfiguration", configuration).invoke(null, conf);
            Class<?> nmClass = loader.loadClass("org.apache.hadoop.yarn.server.nodemanager.NodeManager");
            Object nm = nmClass.getConstructor().newInstance();
            nmClass.getMethod("init", configuration).invoke(nm, conf);
            nmClass.getMethod("start").invoke(nm);
            nodeManagerServices.add(nm);
            Object context = nmClass.getMethod("getNMContext").invoke(nm);
            int port = (Integer) context.getClass().getMethod("getHttpPort").invoke(context);
            nodeManagerHttpPorts.add(port);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    String rmWebAddress() {
        return yarn.getConfig().get("yarn.resourcemanager.webapp.address");
    }

    Map<String, String> yarnClientSettings() {
        Configuration c = yarn.getConfig();
        Map<String, String> s = new LinkedHashMap<>();
        for (String key : new String[] {
                "yarn.resourcemanager.address",
                "yarn.resourcemanager.scheduler.address",
                "yarn.resourcemanager.resource-tracker.address",
                "yarn.resourcemanager.admin.address",
                "yarn.resourcemanager.webapp.address",
                "yarn.resourcemanager.webapp.https.address",
                "yarn.log-aggregation-enable",
                "yarn.nodemanager.remote-app-log-dir",
                "yarn.resourcemanager.principal",
                "yarn.nodemanager.principal",
        }) {
            String v = c.get(key);
            if (v != null) {
                s.put(key, v);
            }
        }
        s.put("yarn.http.policy", "HTTP_ONLY");
        return s;
    }

    // ---- control --------------------------------------------------------

    /**
     * POST /namenode/{index}/{active|standby|stop|start}; GET /namenodes
     * answers each NameNode's index, RPC port and HA state, one per line.
     */
    void startControl() throws IOException {
        control = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        control.createContext("/namenodes", this::namenodes);
        control.createContext("/namenode/", this::namenode);
        control.start();
    }

    void namenodes(HttpExchange ex) throws IOException {
        StringBuilder out = new StringBuilder();
        int count = ha ? 2 : 1;
        for (int i = 0; i < count; i++) {
            String state;
            int port = -1;
            try {
                org.apache.hadoop.hdfs.server.namenode.NameNode nn = dfs.getNameNode(i);
                state = nn == null ? "stopped" : nn.getState().toLowerCase();
                port = dfs.getNameNodePort(i);
            } catch (Exception e) {
                // A stopped NameNode has no port either.
                state = "stopped";
            }
            out.append(i).append(' ').append(port).append(' ').append(state).append('\n');
        }
        answer(ex, 200, out.toString());
    }

    synchronized void namenode(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            answer(ex, 405, "POST only\n");
            return;
        }
        String[] parts = ex.getRequestURI().getPath().split("/");
        // "", "namenode", index, action
        if (parts.length != 4) {
            answer(ex, 404, "POST /namenode/{index}/{active|standby|stop|start}\n");
            return;
        }
        try {
            int index = Integer.parseInt(parts[2]);
            switch (parts[3]) {
                case "active":
                    dfs.transitionToActive(index);
                    break;
                case "standby":
                    dfs.transitionToStandby(index);
                    break;
                case "stop":
                    dfs.shutdownNameNode(index);
                    break;
                case "start":
                    dfs.restartNameNode(index, false);
                    if (!ha) {
                        dfs.waitActive();
                    }
                    break;
                default:
                    answer(ex, 404, "unknown action " + parts[3] + "\n");
                    return;
            }
            answer(ex, 200, "ok\n");
        } catch (Exception e) {
            answer(ex, 500, e + "\n");
        }
    }

    static void answer(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    // ---- files for the clients ------------------------------------------

    void writeClientConfiguration(Path confDir) throws IOException {
        Map<String, String> core = new LinkedHashMap<>();
        Map<String, String> hdfs = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : hdfsClientSettings().entrySet()) {
            String key = e.getKey();
            if (key.startsWith("fs.") || key.startsWith("hadoop.")) {
                core.put(key, e.getValue());
            } else {
                hdfs.put(key, e.getValue());
            }
        }
        writeXml(confDir.resolve("core-site.xml"), core);
        writeXml(confDir.resolve("hdfs-site.xml"), hdfs);
        writeXml(confDir.resolve("yarn-site.xml"), yarnClientSettings());
    }

    static void writeXml(Path path, Map<String, String> settings) throws IOException {
        Configuration c = new Configuration(false);
        for (Map.Entry<String, String> e : settings.entrySet()) {
            c.set(e.getKey(), e.getValue());
        }
        try (Writer w = new OutputStreamWriter(Files.newOutputStream(path), StandardCharsets.UTF_8)) {
            c.writeXml(w);
        }
    }

    void writeEnv() throws IOException {
        Path conf = dir.resolve("conf");
        env.put("HADOOP_CONF_DIR", conf.toString());
        env.put("YARN_CONF_DIR", conf.toString());
        String fsUrl = ha ? "hdfs://" + NAMESERVICE : "hdfs://" + HOST + ":" + dfs.getNameNodePort(0);
        env.put("CDP_TEST_HDFS_URL", fsUrl);
        List<String> nnRpc = new ArrayList<>();
        List<String> nnHttp = new ArrayList<>();
        for (int i = 0; i < (ha ? 2 : 1); i++) {
            nnRpc.add("hdfs://" + HOST + ":" + dfs.getNameNodePort(i));
            nnHttp.add("http://" + HOST + ":" + dfs.getNameNode(i).getHttpAddress().getPort());
        }
        env.put("CDP_TEST_HDFS_NAMENODES", String.join(",", nnRpc));
        env.put("CDP_TEST_WEBHDFS", nnHttp.get(0));
        env.put("CDP_TEST_WEBHDFS_ALL", String.join(",", nnHttp));
        env.put("CDP_TEST_DATANODE_HTTP", "http://" + HOST + ":" + dfs.getDataNodes().get(0).getInfoPort());
        env.put("CDP_TEST_YARN_RM", "http://" + rmWebAddress());
        List<String> nms = new ArrayList<>();
        for (int port : nodeManagerHttpPorts) {
            nms.add("http://" + HOST + ":" + port);
        }
        env.put("CDP_TEST_NODEMANAGERS", String.join(",", nms));
        env.put("CDP_TEST_MINICLUSTER_CONTROL", "http://127.0.0.1:" + control.getAddress().getPort());
        env.put("CDP_TEST_HDFS_SUPERUSER", System.getProperty("user.name"));
        env.put("CDP_TEST_HDFS_USER", SERVICE_USER);
        env.put("CDP_TEST_HDFS_OTHER_USER", OTHER_USER);
        env.put("CDP_TEST_YARN_QUEUE", "etl");
        if (kerberos) {
            Path keytabs = dir.resolve("keytabs");
            env.put("KRB5_CONFIG", conf.resolve("krb5.conf").toString());
            env.put("CDP_TEST_KERBEROS_REALM", realm);
            env.put("CDP_TEST_KERBEROS_PRINCIPAL", SERVICE_USER + "@" + realm);
            env.put("CDP_TEST_KERBEROS_KEYTAB", keytabs.resolve(SERVICE_USER + ".keytab").toString());
            env.put("CDP_TEST_KERBEROS_OTHER_PRINCIPAL", OTHER_USER + "@" + realm);
            env.put("CDP_TEST_KERBEROS_OTHER_KEYTAB", keytabs.resolve(OTHER_USER + ".keytab").toString());
            env.put("CDP_TEST_KERBEROS_STALE_PRINCIPAL", "stale@" + realm);
            env.put("CDP_TEST_KERBEROS_STALE_KEYTAB", keytabs.resolve("stale.keytab").toString());
            env.put("CDP_TEST_KERBEROS_HDFS_PRINCIPAL", "hdfs/" + HOST + "@" + realm);
            env.put("CDP_TEST_KERBEROS_HDFS_KEYTAB", keytabs.resolve("hdfs.keytab").toString());
        }
        StringBuilder out = new StringBuilder("# Written by the mini cluster; source it.\n");
        for (Map.Entry<String, String> e : env.entrySet()) {
            out.append("export ").append(e.getKey()).append("='")
                    .append(e.getValue().replace("'", "'\\''")).append("'\n");
        }
        Path tmp = dir.resolve("env.partial");
        Files.writeString(tmp, out.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve("env"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    void stop() {
        if (control != null) {
            control.stop(0);
        }
        for (Object nm : nodeManagerServices) {
            try {
                nm.getClass().getMethod("stop").invoke(nm);
            } catch (Throwable e) {
                System.err.println("minicluster: stopping a NodeManager: " + e);
            }
        }
        if (yarn != null) {
            try {
                yarn.stop();
            } catch (Throwable e) {
                System.err.println("minicluster: stopping YARN: " + e);
            }
        }
        if (dfs != null) {
            try {
                dfs.shutdown();
            } catch (Throwable e) {
                System.err.println("minicluster: stopping HDFS: " + e);
            }
        }
        if (kdc != null) {
            kdc.stop();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
